//! The stores under stress on a real S3 protocol server (moto): a stage finishes when the server
//! refuses its first requests (503 Slow Down, through a loopback proxy that refuses a few and then
//! forwards), and a large file written through the buffered writer the stages use goes up as a
//! multipart upload (its ETag has the `-<parts>` suffix S3 gives those).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use object_store::ObjectStoreExt;
use pipeline_tests::{MotoServer, run_ok};
use stage_runtime::read_published;

/// Reads one HTTP request's head and body from `stream`.
fn read_request(stream: &mut TcpStream) -> std::io::Result<()> {
    let mut head = vec![];
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte)? == 0 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let length =
        text.lines().find_map(|l| l.strip_prefix("content-length:")).and_then(|v| v.trim().parse::<usize>().ok());
    let mut body = vec![0u8; length.unwrap_or(0)];
    stream.read_exact(&mut body)
}

/// A proxy to `upstream` answering its first `refuse` requests with 503 and forwarding the rest.
fn flaky_proxy(upstream: String, refuse: usize) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let refused = Arc::new(AtomicUsize::new(0));
    let counter = refused.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut client) = stream else { continue };
            if counter.load(Ordering::SeqCst) < refuse {
                if read_request(&mut client).is_ok() {
                    let body =
                        "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>";
                    let _ = write!(
                        client,
                        "HTTP/1.1 503 Slow Down\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                continue;
            }
            let Ok(server) = TcpStream::connect(&upstream) else { continue };
            let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut c2, &mut s2);
                let _ = s2.shutdown(std::net::Shutdown::Write);
            });
            std::thread::spawn(move || {
                let (mut client, mut server) = (client, server);
                let _ = std::io::copy(&mut server, &mut client);
                let _ = client.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    (port, refused)
}

#[tokio::test(flavor = "multi_thread")]
async fn stages_retry_refused_requests_and_large_files_go_up_in_parts() {
    let moto = MotoServer::with_bucket("resilience");

    // Retries: synth writes its dumps through a proxy that refuses the first 3 requests.
    let (port, refused) = flaky_proxy(moto.endpoint.trim_start_matches("http://").to_string(), 3);
    let proxied = format!("http://127.0.0.1:{port}");
    run_ok(
        "synth-patentsview",
        &["--output", "s3://resilience/raw", "--patents", "50", "--first-year", "2000", "--years", "20", "--seed", "3"],
        &moto
            .vars()
            .into_iter()
            .map(|(k, v)| if k == "AWS_ENDPOINT_URL" { (k, proxied.as_str()) } else { (k, v) })
            .collect::<Vec<_>>(),
    );
    assert_eq!(refused.load(Ordering::SeqCst), 3, "the proxy refused requests");
    let raw = read_published(&moto.at("s3://resilience/raw")).await.unwrap();
    assert!(raw.is_some(), "synth published despite the refused requests");

    // Multipart: 24 MiB through object_store's buffered writer (as ingest and synth write files).
    let location = moto.at("s3://resilience/large");
    let path = location.path("blob.bin");
    let mut writer = object_store::buffered::BufWriter::new(location.store.clone(), path.clone());
    let chunk: Vec<u8> = (0..1 << 20).map(|i| (i * 31 % 251) as u8).collect();
    for _ in 0..24 {
        tokio::io::AsyncWriteExt::write_all(&mut writer, &chunk).await.unwrap();
    }
    tokio::io::AsyncWriteExt::shutdown(&mut writer).await.unwrap();
    let meta = location.store.head(&path).await.unwrap();
    assert_eq!(meta.size, 24 << 20);
    let etag = meta.e_tag.expect("S3 returns an ETag");
    assert!(etag.trim_matches('"').contains('-'), "a single-part upload: ETag {etag}");
    let back = location.store.get(&path).await.unwrap().bytes().await.unwrap();
    assert!(back.chunks(1 << 20).all(|c| c == chunk.as_slice()), "the parts reassemble in order");
}
