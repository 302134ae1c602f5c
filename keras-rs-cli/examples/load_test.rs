//! A bounded load test of `keras-rs serve` on localhost: the MNIST MLP (784 → 128 → 10) saved
//! to a temporary folder, served with and without server-side batching, `--clients` concurrent
//! clients (one row per request) for `--seconds` each after a 2 s warm-up; requests/s, p50/p99 latency, errors and
//! the server's memory (VmRSS) before and after (the server runs with a 1 MiB request limit). Then 1,000 malformed requests sent during valid
//! traffic: each must get a 4xx while every valid request still gets 200.
//!
//! ```sh
//! cargo build --release -p keras-rs-cli --bin keras-rs --example load_test
//! target/release/examples/load_test --clients 64 --seconds 10
//! ```

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use keras_rs::prelude::*;
use serde_json::json;

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the example's path");
    exe.parent().and_then(Path::parent).expect("target/<profile>/examples").join("keras-rs")
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

fn post(agent: &ureq::Agent, url: &str, body: &[u8]) -> u16 {
    match agent.post(url).header("Content-Type", "application/json").send(body) {
        Ok(mut r) => {
            let _ = r.body_mut().read_to_string();
            r.status().as_u16()
        }
        Err(_) => 0,
    }
}

fn start(dir: &Path, batching: bool, port: u16) -> Child {
    let mut args = vec![
        "serve".to_string(),
        format!("--rest_api_port={port}"),
        "--rest_api_host=127.0.0.1".into(),
        "--model_name=mnist".into(),
        format!("--model_base_path={}", dir.join("mnist").display()),
        "--max_request_bytes=1048576".into(),
    ];
    if batching {
        let params = dir.join("batching.config");
        std::fs::write(
            &params,
            "max_batch_size { value: 64 }\nbatch_timeout_micros { value: 2000 }\nnum_batch_threads { value: 1 }\n",
        )
        .unwrap();
        args.push("--enable_batching".into());
        args.push(format!("--batching_parameters_file={}", params.display()));
    }
    let child = Command::new(server_binary()).args(&args).spawn().expect("target/release/keras-rs (build it first)");
    let url = format!("http://127.0.0.1:{port}/v1/models/mnist");
    let start = Instant::now();
    while agent().get(&url).call().map(|r| r.status().as_u16()).ok() != Some(200) {
        assert!(start.elapsed() < Duration::from_secs(60), "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

/// `clients` threads posting `body` for `seconds`; latencies in microseconds and the error count.
fn run(url: &str, body: &[u8], clients: usize, seconds: u64) -> (Vec<u64>, usize) {
    let stop = AtomicBool::new(false);
    let errors = AtomicUsize::new(0);
    let latencies = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..clients {
            scope.spawn(|| {
                let (agent, mut mine) = (agent(), Vec::new());
                while !stop.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    if post(&agent, url, body) != 200 {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                    mine.push(t.elapsed().as_micros() as u64);
                }
                latencies.lock().unwrap().extend(mine);
            });
        }
        std::thread::sleep(Duration::from_secs(seconds));
        stop.store(true, Ordering::Relaxed);
    });
    let mut latencies = latencies.into_inner().unwrap();
    latencies.sort_unstable();
    (latencies, errors.into_inner())
}

fn main() -> keras_rs::Result<()> {
    let (clients, seconds) = (arg("--clients", 64) as usize, arg("--seconds", 10));
    let dir = std::env::temp_dir().join(format!("keras_rs_load_test_{}", std::process::id()));
    let model = Sequential::new()
        .seed(1)
        .add(Input::new(&[784]))
        .add(Dense::new(128).activation("relu"))
        .add(Dense::new(10).activation("softmax"));
    std::fs::create_dir_all(dir.join("mnist").join("1")).map_err(|e| keras_rs::Error::io("temp dir", e))?;
    model.save(dir.join("mnist").join("1").join("model.keras"))?;
    let row: Vec<f32> = (0..784).map(|i| (i % 255) as f32 / 255.0).collect();
    let body = json!({"instances": [row]}).to_string().into_bytes();

    println!("{clients} clients, {seconds} s each, one 784-float row per request, MNIST MLP");
    for (batching, port) in [(false, 18501), (true, 18502)] {
        let mut server = start(&dir, batching, port);
        let url = format!("http://127.0.0.1:{port}/v1/models/mnist:predict");
        run(&url, &body, clients, 2); // warm-up: the memory figures compare the run's start and end
        let before = rss_kib(server.id());
        let (latencies, errors) = run(&url, &body, clients, seconds);
        let after = rss_kib(server.id());
        let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)] as f64 / 1000.0;
        println!(
            "batching {:<3}: {:>7.0} requests/s, p50 {:>6.2} ms, p99 {:>6.2} ms, {errors} errors, server memory {:.1} -> {:.1} MiB",
            if batching { "on" } else { "off" },
            latencies.len() as f64 / seconds as f64,
            pct(0.50),
            pct(0.99),
            before as f64 / 1024.0,
            after as f64 / 1024.0
        );
        if batching {
            // 1,000 malformed requests while valid traffic continues.
            let bad: Vec<Vec<u8>> = vec![
                b"{\"instances\": [[1, 2".to_vec(),
                b"{\"instances\": [[1, 2, 3]]}".to_vec(),
                b"{\"instances\": [[\"x\"]]}".to_vec(),
                b"{\"instances\": [[NaN]]}".to_vec(),
                json!({"instances": vec![row.clone(); 200]}).to_string().into_bytes(), // ~1.4 MB: over the 1 MiB limit
            ];
            let valid_failures = AtomicUsize::new(0);
            let stop = AtomicBool::new(false);
            let (mut answered_4xx, mut other) = (0, Vec::new());
            std::thread::scope(|scope| {
                scope.spawn(|| {
                    let agent = agent();
                    while !stop.load(Ordering::Relaxed) {
                        if post(&agent, &url, &body) != 200 {
                            valid_failures.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                });
                let agent = agent();
                for i in 0..1000 {
                    match post(&agent, &url, &bad[i % bad.len()]) {
                        400..=499 => answered_4xx += 1,
                        status => other.push(status),
                    }
                }
                stop.store(true, Ordering::Relaxed);
            });
            println!(
                "1,000 malformed requests: {answered_4xx} answered 4xx, {} otherwise {:?}; valid requests meanwhile failed {} times",
                other.len(),
                &other[..other.len().min(5)],
                valid_failures.into_inner()
            );
        }
        let _ = Command::new("kill").args(["-TERM", &server.id().to_string()]).status();
        let _ = server.wait();
    }
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}
