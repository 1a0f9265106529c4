//! The editor's API against a real server: a done job's blocks, a block edited (checked,
//! the result written again, its text in the PDF), page images, and edits kept across a
//! restart.

mod common;

use common::*;

/// Uploads the README example with the pseudo engine and waits for it: the job's id.
async fn done_job(client: &reqwest::Client, server: &Server) -> String {
    let (status, created) = upload(client, server, None, &example()).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let job = wait_final(client, server, &id).await;
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(job["revision"], 1, "{job}");
    id
}

/// `PUT` (a translation) or `DELETE` (none) on a block: the status and the JSON answer.
async fn edit(
    client: &reqwest::Client,
    server: &Server,
    id: &str,
    block: &str,
    translation: Option<&str>,
) -> (u16, Value) {
    let url = format!("{}/v1/jobs/{id}/blocks/{block}", server.url);
    let request = match translation {
        Some(t) => client
            .put(url)
            .json(&serde_json::json!({ "translation": t })),
        None => client.delete(url),
    };
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn bytes(client: &reqwest::Client, url: &str) -> (u16, Vec<u8>) {
    let response = client.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap().to_vec())
}

/// The first block of `blocks` translated, editable, with (or without) placeholders.
fn block_with(blocks: &Value, placeholders: bool) -> Value {
    blocks["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| {
            b["status"] == "translated"
                && b["editable"] == true
                && b["source"].as_str().unwrap().contains("[1]") == placeholders
                && b["source"].as_str().unwrap().len() > 30
        })
        .unwrap_or_else(|| panic!("a translated block (placeholders: {placeholders}): {blocks}"))
        .clone()
}

#[test]
fn an_edited_block_is_in_the_written_pdf_and_checked_first() {
    with_server(
        "edit",
        |_| {},
        async |client, server, data| {
            let id = done_job(client, server).await;
            let url = |path: &str| format!("{}/v1/jobs/{id}/{path}", server.url);

            let (status, page) = get_json(client, &url("pages/1/blocks")).await;
            assert_eq!(status, 200, "{page}");
            assert_eq!(page["revision"], 1);
            let blocks = page["blocks"].as_array().unwrap();
            assert!(blocks.len() > 10, "{page}");
            assert!(blocks.iter().all(|b| b["page"] == 1), "{page}");
            let plain = block_with(&page, false);
            let name = plain["id"].as_str().unwrap();
            assert!(
                plain["bbox"][2].as_f64() > plain["bbox"][0].as_f64(),
                "{plain}"
            );

            let (_, before_png) = bytes(client, &url("pages/1/translation.png?dpi=50")).await;
            assert!(before_png.starts_with(b"\x89PNG"), "a PNG");

            // The edit is set and written: the PDF's text has it, the block says so.
            let words = "Zebra quokka marmoset ocelot";
            let (status, edited) = edit(client, server, &id, name, Some(words)).await;
            assert_eq!(status, 200, "{edited}");
            assert_eq!(edited["revision"], 2, "{edited}");
            assert_eq!(edited["pages"], serde_json::json!([1]), "{edited}");
            assert_eq!(edited["blocks"][0]["translation"], words, "{edited}");
            assert_eq!(edited["blocks"][0]["edited"], true, "{edited}");
            let (status, pdf) = bytes(client, &url("result.pdf")).await;
            assert_eq!(status, 200);
            if let Some(text) = pdftotext(&pdf) {
                let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
                assert!(flat.contains(words), "the edit is not in the PDF's text");
            }
            // The page's image is rendered again: it changed where the block is.
            let (status, after_png) = bytes(client, &url("pages/1/translation.png?dpi=50")).await;
            assert_eq!(status, 200);
            assert_ne!(before_png, after_png, "the page image did not change");
            let images: Vec<String> = std::fs::read_dir(data.join("jobs").join(&id).join("pages"))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            assert_eq!(
                images,
                ["translation-r2-1-50.png"],
                "old revisions' images go"
            );
            let (_, source_png) = bytes(client, &url("pages/1/source.png?dpi=50")).await;
            assert!(source_png.starts_with(b"\x89PNG"));

            // Placeholders are checked before anything changes: a clear 422 naming the one
            // missing, and the result stays at its revision.
            let (_, page) = get_json(client, &url("pages/1/blocks")).await;
            let styled = block_with(&page, true);
            let (status, refused) = edit(
                client,
                server,
                &id,
                styled["id"].as_str().unwrap(),
                Some("Nothing kept of the spans"),
            )
            .await;
            assert_eq!(status, 422, "{refused}");
            let error = refused["error"].as_str().unwrap();
            assert!(error.contains("placeholder [1]"), "{refused}");
            assert!(
                refused["hint"].as_str().unwrap().contains("[1]"),
                "{refused}"
            );
            let (status, empty) = edit(client, server, &id, name, Some("  ")).await;
            assert_eq!(status, 422, "{empty}");
            let (_, job) = get_json(client, &format!("{}/v1/jobs/{id}", server.url)).await;
            assert_eq!(job["revision"], 2, "{job}");

            // Unknown blocks and malformed bodies.
            let (status, _) = edit(client, server, &id, "p1-999", Some("x")).await;
            assert_eq!(status, 404);
            let (status, _) = edit(client, server, &id, "p0-1", Some("x")).await;
            assert_eq!(status, 404);
            let response = client
                .put(url(&format!("blocks/{name}")))
                .header("content-type", "application/json")
                .body("{\"text\": 1}")
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 400);

            // The problem list and the filter.
            let (status, edited_only) = get_json(client, &url("blocks?status=edited")).await;
            assert_eq!(status, 200);
            assert_eq!(
                edited_only["blocks"].as_array().unwrap().len(),
                1,
                "{edited_only}"
            );

            // Undo: the engine's translation again.
            let (status, undone) = edit(client, server, &id, name, None).await;
            assert_eq!(status, 200, "{undone}");
            assert_eq!(undone["revision"], 3);
            assert_eq!(undone["blocks"][0]["translation"], plain["translation"]);
            assert_eq!(undone["blocks"][0]["edited"], false);
            let (_, pdf) = bytes(client, &url("result.pdf")).await;
            if let Some(text) = pdftotext(&pdf) {
                assert!(!text.contains("quokka"), "the undone edit is still there");
            }
        },
    );
}

#[test]
fn edits_survive_a_restart_and_a_second_run_of_the_job() {
    let data = data_dir("edit-restart");
    let (id, name) = {
        let server = Server::start(settings(&data));
        block_on(async {
            let client = reqwest::Client::new();
            let id = done_job(&client, &server).await;
            let (_, page) = get_json(
                &client,
                &format!("{}/v1/jobs/{id}/pages/2/blocks", server.url),
            )
            .await;
            let name = block_with(&page, false)["id"].as_str().unwrap().to_string();
            let (status, edited) =
                edit(&client, &server, &id, &name, Some("Kept across restarts")).await;
            assert_eq!(status, 200, "{edited}");
            (id, name)
        })
    };
    // The job is run again from scratch (as when it was running at a crash): the edit beats
    // the engine, and the engine is not asked for it.
    let store = JobStore::open(&data).unwrap();
    let mut job = store.load(&id).unwrap();
    job.state = State::Running;
    store.save(&job).unwrap();
    std::fs::remove_file(store.result(&id)).unwrap();
    let server = Server::start(settings(&data));
    block_on(async {
        let client = reqwest::Client::new();
        let job = wait_final(&client, &server, &id).await;
        assert_eq!(job["state"], "done", "{job}");
        let (_, page) = get_json(
            &client,
            &format!("{}/v1/jobs/{id}/pages/2/blocks", server.url),
        )
        .await;
        let block = page["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["id"] == name.as_str())
            .unwrap()
            .clone();
        assert_eq!(block["translation"], "Kept across restarts", "{block}");
        assert_eq!(block["edited"], true, "{block}");
        let (_, pdf) = bytes(&client, &format!("{}/v1/jobs/{id}/result.pdf", server.url)).await;
        if let Some(text) = pdftotext(&pdf) {
            assert!(text.contains("Kept across restarts"), "the edit is lost");
        }
    });
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn a_translators_xliff_comes_back_as_edits_and_a_bad_one_changes_nothing() {
    with_server(
        "xliff",
        |_| {},
        async |client, server, _| {
            let id = done_job(client, server).await;
            let url = format!("{}/v1/jobs/{id}/xliff", server.url);
            let response = client.get(&url).send().await.unwrap();
            assert_eq!(response.status(), 200);
            assert!(
                response.headers()["content-disposition"]
                    .to_str()
                    .unwrap()
                    .ends_with(".pt-BR.xlf\""),
                "{:?}",
                response.headers()
            );
            let xliff = response.text().await.unwrap();
            assert!(xliff.contains("urn:oasis:names:tc:xliff:document:1.2"));
            assert!(
                xliff.contains("source-language=\"en\""),
                "{}",
                &xliff[..400]
            );
            assert!(xliff.contains("translate=\"no\""), "kept blocks are marked");
            assert!(xliff.contains("<g id=\"1\">"), "spans are inline codes");
            assert!(xliff.contains("page 2, box"), "notes say where");

            // A translator changes one unit's target, as in a CAT tool.
            let (_, page) = get_json(
                client,
                &format!("{}/v1/jobs/{id}/pages/1/blocks", server.url),
            )
            .await;
            let block = block_with(&page, false);
            let old = format!(
                "<target state=\"translated\">{}</target>",
                block["translation"].as_str().unwrap()
            );
            assert!(xliff.contains(&old), "{old}");
            let changed = xliff.replacen(
                &old,
                "<target state=\"translated\">Capybara tapir</target>",
                1,
            );

            // First a broken file: a clear 422, nothing changes.
            let broken = &changed[..changed.len() / 2];
            let response = client
                .put(&url)
                .body(broken.to_string())
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 422);
            let error: Value = response.json().await.unwrap();
            assert!(error["error"].as_str().unwrap().contains("line"), "{error}");
            assert!(error["hint"].is_string(), "{error}");
            let lost_tag = changed
                .replacen("<g id=\"1\">", "", 1)
                .replacen("</g>", "", 1);
            let response = client.put(&url).body(lost_tag).send().await.unwrap();
            assert_eq!(response.status(), 422);
            let (_, job) = get_json(client, &format!("{}/v1/jobs/{id}", server.url)).await;
            assert_eq!(job["revision"], 1, "a bad file changed the job: {job}");

            let response = client.put(&url).body(changed).send().await.unwrap();
            assert_eq!(response.status(), 200);
            let edited: Value = response.json().await.unwrap();
            assert_eq!(edited["revision"], 2, "{edited}");
            assert_eq!(edited["blocks"][0]["id"], block["id"], "{edited}");
            let (_, pdf) = bytes(client, &format!("{}/v1/jobs/{id}/result.pdf", server.url)).await;
            if let Some(text) = pdftotext(&pdf) {
                assert!(
                    text.contains("Capybara tapir"),
                    "the XLIFF's edit is not in the PDF"
                );
            }
            // The same file again changes nothing more.
            let again = client.get(&url).send().await.unwrap().text().await.unwrap();
            let response = client.put(&url).body(again).send().await.unwrap();
            let same: Value = response.json().await.unwrap();
            assert_eq!(same["revision"], 2, "{same}");
            assert_eq!(same["pages"], serde_json::json!([]), "{same}");
        },
    );
}

#[test]
fn jobs_are_listed_newest_first_and_a_done_one_can_be_deleted() {
    with_server(
        "list-delete",
        |_| {},
        async |client, server, data| {
            let first = done_job(client, server).await;
            let second = done_job(client, server).await;
            let (status, list) = get_json(client, &format!("{}/v1/jobs", server.url)).await;
            assert_eq!(status, 200);
            let ids: Vec<&str> = list["jobs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|j| j["id"].as_str().unwrap())
                .collect();
            assert_eq!(ids, [second.as_str(), first.as_str()], "{list}");

            let url = format!("{}/v1/jobs/{first}", server.url);
            let response = client.delete(&url).send().await.unwrap();
            assert_eq!(response.status(), 204);
            let (status, _) = get_json(client, &url).await;
            assert_eq!(status, 404);
            assert!(
                !data.join("jobs").join(&first).exists(),
                "its files are gone"
            );
            let response = client.delete(&url).send().await.unwrap();
            assert_eq!(response.status(), 404);
        },
    );
}

#[test]
fn a_job_run_again_keeps_its_edits() {
    with_server(
        "run-again",
        |_| {},
        async |client, server, _| {
            let id = done_job(client, server).await;
            let (_, page) = get_json(
                client,
                &format!("{}/v1/jobs/{id}/pages/1/blocks", server.url),
            )
            .await;
            let name = block_with(&page, false)["id"].as_str().unwrap().to_string();
            let (status, _) =
                edit(client, server, &id, &name, Some("Ran twice, edited once")).await;
            assert_eq!(status, 200);

            let run = format!("{}/v1/jobs/{id}/run", server.url);
            let response = client.post(&run).send().await.unwrap();
            assert_eq!(response.status(), 202);
            let job = wait_final(client, server, &id).await;
            assert_eq!(job["state"], "done", "{job}");
            assert_eq!(job["revision"], 3, "{job}");
            let (_, pdf) = bytes(client, &format!("{}/v1/jobs/{id}/result.pdf", server.url)).await;
            if let Some(text) = pdftotext(&pdf) {
                assert!(text.contains("Ran twice, edited once"), "the edit is lost");
            }
        },
    );
}

/// A scanned page is read by OCR in the job's run (the form's `ocr`, auto when absent) and
/// kept in the job's folder; an edit's re-render recalls it: tesseract does not run again,
/// and the edit is in the PDF's text.
#[test]
fn a_scan_is_read_once_and_its_edits_rerender_without_tesseract() {
    if !folio_test_support::tool("tesseract", "Debian tesseract-ocr and tesseract-ocr-eng") {
        return;
    }
    let Some(scan) = folio_test_support::corpus_file("scan-huckfinn-page-illustration.pdf") else {
        return;
    };
    let scan = std::fs::read(scan).unwrap();
    // Tesseract behind a script that counts the pages it is run on (not `--list-langs`).
    let dir = data_dir("ocr-counter");
    std::fs::create_dir_all(&dir).unwrap();
    let (script, count) = (dir.join("tesseract"), dir.join("runs"));
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ncase \"$1\" in --list-langs) ;; *) echo run >> '{}' ;; esac\nexec tesseract \"$@\"\n",
            count.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let runs = || {
        std::fs::read_to_string(&count)
            .map(|s| s.lines().count())
            .unwrap_or(0)
    };
    with_server(
        "ocr",
        |settings| settings.ocr.command = script.to_string_lossy().into_owned(),
        async |client, server, data| {
            let (status, created) = upload(client, server, None, &scan).await;
            assert_eq!(status, 201, "{created}");
            let id = created["id"].as_str().unwrap().to_string();
            let job = wait_final(client, server, &id).await;
            assert_eq!(job["state"], "done", "{job}");
            let read = runs();
            assert!(read >= 1, "tesseract ran {read} times on the job's run");
            assert!(
                data.join("jobs")
                    .join(&id)
                    .join("ocr")
                    .join("page-0.json")
                    .is_file(),
                "the page read is kept in the job's folder"
            );
            let url = |path: &str| format!("{}/v1/jobs/{id}/{path}", server.url);
            let (status, page) = get_json(client, &url("pages/1/blocks")).await;
            assert_eq!(status, 200, "{page}");
            let block = block_with(&page, false);
            let words = "Zebra quokka marmoset ocelot";
            let (status, edited) = edit(
                client,
                server,
                &id,
                block["id"].as_str().unwrap(),
                Some(words),
            )
            .await;
            assert_eq!(status, 200, "{edited}");
            assert_eq!(runs(), read, "the re-render ran tesseract again");
            let (status, pdf) = bytes(client, &url("result.pdf")).await;
            assert_eq!(status, 200);
            if let Some(text) = pdftotext(&pdf) {
                let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
                assert!(flat.contains(words), "the edit is not in the PDF's text");
            }
            // A mode the server does not know is refused at upload.
            let (content_type, body) = form(&[("to", "pt-BR"), ("ocr", "sometimes")], Some(&scan));
            let response = client
                .post(format!("{}/v1/jobs", server.url))
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 422);
            let refused: serde_json::Value = response.json().await.unwrap();
            assert!(
                refused["error"].as_str().unwrap().contains("'sometimes'"),
                "{refused}"
            );
        },
    );
    let _ = std::fs::remove_dir_all(&dir);
}
