//! Criterion benchmarks of the pipeline at a fixed size, throughput in bytes of JSON:
//! prefilter (the shipped rules' literal test on every line, no parsing), parse (lines → Arrow
//! batches), encode (sort each chunk + Parquet, in memory), convert (the whole step, → Parquet
//! archive), hunt and stats (archive → results). Each convert lever shows in its own bench.
//! Inputs are generated once, outside the timed loops. CI only builds them (`cargo bench --no-run`).

use std::hint::black_box;

use audithound::archive::convert::{ConvertOptions, RowOrder, convert};
use audithound::archive::encode::{sort_batches, writer_props};
use audithound::ingest::input::Source;
use audithound::ingest::scan::{ScanOptions, scan_bytes};
use audithound::query::engine::{Data, Engine, EngineOptions, Scope};
use audithound::query::rules;
use audithound::schema::file_schema;
use audithound::synth::generate::{GenerateOptions, generate};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use datafusion::parquet::arrow::ArrowWriter;

const EVENTS: u64 = 20_000;

fn input() -> Vec<u8> {
    let mut out = Vec::new();
    let opts = GenerateOptions {
        events: EVENTS,
        ..GenerateOptions::default()
    };
    if let Err(e) = generate(&opts, &mut out) {
        panic!("generate: {e}");
    }
    out
}

fn bench(c: &mut Criterion) {
    let data = input();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("events.jsonl");
    std::fs::write(&file, &data).unwrap_or_else(|e| panic!("{e}"));
    let archive = dir.path().join("archive");
    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(10);
    let (rules, _) = rules::load(None, true).unwrap_or_else(|e| panic!("{e}"));
    let filter = rules::line_filter(&rules)
        .unwrap_or_else(|| panic!("the shipped rules all declare their literals"));
    g.bench_function("prefilter", |b| {
        b.iter(|| {
            black_box(
                data.split(|&c| c == b'\n')
                    .filter(|line| filter.keep(line))
                    .count(),
            )
        });
    });
    let (batches, _, _) =
        scan_bytes(&data, "bench", &ScanOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let file_cols: Vec<usize> = (0..file_schema().fields().len()).collect();
    let batches: Vec<_> = batches
        .iter()
        .map(|b| b.project(&file_cols).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let props = writer_props(&ConvertOptions::new("unused")).unwrap_or_else(|e| panic!("{e}"));
    g.bench_function("encode", |b| {
        b.iter(|| {
            let chunk =
                sort_batches(&batches, RowOrder::Decision).unwrap_or_else(|e| panic!("{e}"));
            let mut w = ArrowWriter::try_new(Vec::new(), file_schema(), Some(props.clone()))
                .unwrap_or_else(|e| panic!("{e}"));
            w.write(&chunk).unwrap_or_else(|e| panic!("{e}"));
            black_box(w.into_inner().map(|v| v.len()).unwrap_or_default())
        });
    });
    g.bench_function("parse", |b| {
        b.iter(|| {
            black_box(scan_bytes(&data, "bench", &ScanOptions::default()).map(|r| r.2.events))
        });
    });
    g.bench_function("convert", |b| {
        b.iter(|| {
            let _ = std::fs::remove_dir_all(&archive);
            black_box(
                convert(
                    &[Source::File(file.clone())],
                    &ConvertOptions::new(&archive),
                )
                .map(|s| s.scan.events),
            )
        });
    });
    // hunt and stats read an archive made once, outside their loops.
    let _ = std::fs::remove_dir_all(&archive);
    convert(
        &[Source::File(file.clone())],
        &ConvertOptions::new(&archive),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let rt = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
    let arch = Data::Archive(audithound::archive::convert::ArchiveDir::Local(
        archive.clone(),
    ));
    g.bench_function("hunt", |b| {
        b.iter(|| {
            rt.block_on(async {
                let e = Engine::open(&arch, &Scope::default(), &EngineOptions::default()).await?;
                let df = audithound::query::hunt::alerts(&e, &rules, None).await?;
                Ok::<_, audithound::Error>(black_box(df.count().await?))
            })
        });
    });
    g.bench_function("stats", |b| {
        b.iter(|| {
            rt.block_on(async {
                let e = Engine::open(&arch, &Scope::default(), &EngineOptions::default()).await?;
                let df = audithound::query::hunt::stats(&e, &rules[0], &[]).await?;
                Ok::<_, audithound::Error>(black_box(df.count().await?))
            })
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
