//! Renders the sample `report.html` in headless Chromium and checks that a person would see a
//! page, not a blank screen.
//!
//! Chromium is required in CI (`CI` set; `.ci/run` installs it): there a missing browser fails the
//! test and says how to install it. On a developer's machine without it the test says it skipped.
//! `AUDITHOUND_SKIP_BROWSER=1` skips it anywhere. `AUDITHOUND_CHROMIUM` may name another binary.
//! With `AUDITHOUND_REPORT_SCREENSHOT=src/report/screenshot.png` the test also writes the README's
//! screenshot (900 px wide) to that path, and with `AUDITHOUND_REPORT_SAMPLE_DIR=DIR` it leaves
//! the sample's report files and a 14-day `index.html` in DIR to look at.
//!
//! Two independent checks on the screenshot, neither needing an image crate:
//! 1. Size against a blank page. A PNG is zlib-compressed rows of pixels; a page of one colour
//!    compresses to almost nothing (a few KB at this size), while text, tables and charts do
//!    not. So we also screenshot an empty white page at the same size and require ours to be at
//!    least 5× larger and above 20 KB.
//! 2. Pixels. We decode the PNG ourselves (zlib through `flate2`, already a dependency, then
//!    PNG's row filters) and require many distinct colours and a fair share of pixels that are
//!    not the background colour.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_mins(2);

fn find_chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("AUDITHOUND_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// Screenshots `page` at `width`×`height` into `png`, with a fresh profile, offline.
fn screenshot(chromium: &Path, page: &Path, png: &Path, width: u32, height: u32) {
    let work = tempfile::tempdir().unwrap();
    let profile = work.path().join("profile");
    let log = work.path().join("chromium.log");
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(File::create(&log).unwrap())
        .stderr(File::create(&log).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromium.display()));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium did not finish in {TIMEOUT:?}:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        status.success() && png.is_file(),
        "chromium failed ({status}) to screenshot {}:\n{}",
        page.display(),
        std::fs::read_to_string(&log).unwrap_or_default()
    );
}

/// An 8-bit, non-interlaced PNG decoded to `channels` bytes per pixel.
struct Image {
    width: usize,
    height: usize,
    channels: usize,
    pixels: Vec<u8>,
}

fn decode_png(bytes: &[u8]) -> Image {
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let mut pos = 8;
    let (mut width, mut height, mut channels) = (0, 0, 0);
    let mut idat = Vec::new();
    while pos + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[pos..pos + 4].try_into().unwrap()) as usize;
        let kind = &bytes[pos + 4..pos + 8];
        let data = &bytes[pos + 8..pos + 8 + len];
        match kind {
            b"IHDR" => {
                width = u32::from_be_bytes(data[0..4].try_into().unwrap()) as usize;
                height = u32::from_be_bytes(data[4..8].try_into().unwrap()) as usize;
                assert_eq!(data[8], 8, "bit depth");
                channels = match data[9] {
                    0 => 1,
                    2 => 3,
                    4 => 2,
                    6 => 4,
                    other => panic!("unsupported PNG colour type {other}"),
                };
                assert_eq!(data[12], 0, "interlaced PNG");
            }
            b"IDAT" => idat.extend_from_slice(data),
            b"IEND" => break,
            _ => {}
        }
        pos += 12 + len;
    }
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(&idat[..])
        .read_to_end(&mut raw)
        .unwrap();
    let stride = width * channels;
    assert_eq!(raw.len(), height * (stride + 1), "PNG data size");
    let mut pixels = vec![0u8; height * stride];
    for y in 0..height {
        let filter = raw[y * (stride + 1)];
        let line = &raw[y * (stride + 1) + 1..(y + 1) * (stride + 1)];
        for x in 0..stride {
            let a = if x >= channels {
                pixels[y * stride + x - channels]
            } else {
                0
            };
            let b = if y > 0 {
                pixels[(y - 1) * stride + x]
            } else {
                0
            };
            let c = if x >= channels && y > 0 {
                pixels[(y - 1) * stride + x - channels]
            } else {
                0
            };
            let predictor = match filter {
                0 => 0,
                1 => a,
                2 => b,
                3 => a.midpoint(b), // floor((a + b) / 2), as PNG wants
                4 => paeth(a, b, c),
                other => panic!("bad PNG filter {other}"),
            };
            pixels[y * stride + x] = line[x].wrapping_add(predictor);
        }
    }
    Image {
        width,
        height,
        channels,
        pixels,
    }
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

/// Distinct colours, and the share of pixels that differ from the most common one.
fn colour_stats(image: &Image) -> (usize, f64) {
    let mut counts: HashMap<&[u8], usize> = HashMap::new();
    for pixel in image.pixels.chunks_exact(image.channels) {
        *counts.entry(pixel).or_default() += 1;
    }
    let background = counts.values().copied().max().unwrap_or(0);
    let total = image.width * image.height;
    (counts.len(), 1.0 - background as f64 / total.max(1) as f64)
}

#[test]
fn report_renders_in_chromium() {
    if std::env::var_os("AUDITHOUND_SKIP_BROWSER").is_some_and(|v| v == "1") {
        eprintln!("AUDITHOUND_SKIP_BROWSER=1: not rendering the report in Chromium");
        return;
    }
    let Some(chromium) = find_chromium() else {
        // A newcomer's `cargo test` must pass on a fresh machine; CI (which sets CI=true and
        // installs Chromium in .ci/run) must never skip this check.
        if std::env::var_os("CI").is_none() {
            eprintln!(
                "SKIPPED report_renders_in_chromium: Chromium is not installed \
                 (`apt-get install -y chromium` to run it; CI always does)"
            );
            return;
        }
        panic!(
            "Chromium is needed to check that report.html renders: run \
             `apt-get install -y chromium` (Debian's package; CI installs it), or set \
             AUDITHOUND_SKIP_BROWSER=1 to skip this test"
        );
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report");
    super::write_report(&out, &super::testdata::sample_report()).unwrap();
    if let Some(dir) = std::env::var_os("AUDITHOUND_REPORT_SAMPLE_DIR") {
        let dir = PathBuf::from(dir);
        super::write_report(&dir.join("2024-05-14"), &super::testdata::sample_report()).unwrap();
        let (days, rule) = (super::testdata::sample_trend(), super::testdata::rule());
        super::write_index(&dir, &days, &rule).unwrap();
    }

    let shot = tmp.path().join("shot.png");
    screenshot(&chromium, &out.join("report.html"), &shot, 1200, 1600);
    let blank_page = tmp.path().join("blank.html");
    std::fs::write(
        &blank_page,
        "<!doctype html><html><head><meta charset=\"utf-8\"></head><body></body></html>",
    )
    .unwrap();
    let blank = tmp.path().join("blank.png");
    screenshot(&chromium, &blank_page, &blank, 1200, 1600);

    let ours = std::fs::read(&shot).unwrap();
    let empty = std::fs::read(&blank).unwrap();
    assert!(
        ours.len() > 20 * 1024 && ours.len() >= 5 * empty.len(),
        "screenshot looks blank: {} bytes, an empty page is {} bytes",
        ours.len(),
        empty.len()
    );

    let image = decode_png(&ours);
    assert_eq!((image.width, image.height), (1200, 1600));
    let (colours, ink) = colour_stats(&image);
    assert!(colours >= 32, "only {colours} colours in the screenshot");
    assert!(
        ink > 0.03,
        "only {:.1}% of the screenshot differs from the background",
        ink * 100.0
    );
    let (blank_colours, blank_ink) = colour_stats(&decode_png(&empty));
    assert!(
        blank_colours <= 2 && blank_ink < 0.001,
        "blank page is not blank"
    );

    if let Some(path) = std::env::var_os("AUDITHOUND_REPORT_SCREENSHOT") {
        let path = PathBuf::from(path);
        let path = if path.is_relative() {
            Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
        } else {
            path
        };
        screenshot(&chromium, &out.join("report.html"), &path, 900, 1300);
    }
}

#[test]
fn png_decoder_reads_filters() {
    // A 2×2 RGB image, one row with the Sub filter and one with Paeth, compressed with flate2.
    use std::io::Write as _;
    let raw: [u8; 14] = [1, 10, 20, 30, 5, 5, 5, 4, 1, 1, 1, 0, 0, 0];
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&raw).unwrap();
    let idat = z.finish().unwrap();
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        png.extend_from_slice(kind);
        png.extend_from_slice(data);
        png.extend_from_slice(&[0; 4]); // CRC, not checked
    };
    chunk(b"IHDR", &[0, 0, 0, 2, 0, 0, 0, 2, 8, 2, 0, 0, 0]);
    chunk(b"IDAT", &idat);
    chunk(b"IEND", &[]);
    let image = decode_png(&png);
    assert_eq!(
        image.pixels,
        [10, 20, 30, 15, 25, 35, 11, 21, 31, 15, 25, 35]
    );
    assert_eq!(colour_stats(&image).0, 3);
}
