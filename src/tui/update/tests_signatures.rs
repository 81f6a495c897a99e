//! `F` on a run group: its failure signatures from the runs' errors at once, refined by the
//! deep pass, and a signature's retry with exactly its runs.

use crate::api::triage::{Class, DeepFailure, JobRef};

use super::super::action::{Action, ApiResult};
use super::super::effect::{Effect, RunsQuery};
use super::super::fixtures::{self as fx, api};
use super::super::state::State;
use super::super::state::list::Item;
use super::super::state::popup::Popup;
use super::tests::calls_paths;
use super::update;
use crate::tui::request::Answer;
use crate::tui::request::Request;

/// The groups pane with the running group selected; `F` pressed, its runs answered.
fn opened(w: u16, h: u16) -> (State, Vec<Effect>) {
    let mut s = fx::at_groups(w, h);
    s.groups_mut().expect("a groups view").select_id(fx::GROUP);
    let e = update(&mut s, Action::Failures);
    assert!(
        e.iter().any(
            |e| matches!(e, Effect::Load { req: Request::Runs { query: RunsQuery::Group(g), .. }, .. } if g == fx::GROUP)
        ),
        "the group's runs are listed first: {e:?}"
    );
    let e = api(
        &mut s,
        ApiResult::loaded(
            Request::Runs {
                scope: fx::scope(),
                query: RunsQuery::Group(fx::GROUP.into()),
            },
            Ok(Answer::Runs(fx::batch_runs())),
        ),
    );
    (s, e)
}

fn view(s: &State) -> &super::super::state::signatures::SignaturesView {
    match &s.popup {
        Some(Popup::Signatures(v)) => v,
        other => panic!("the signatures view, not {other:?}"),
    }
}

#[test]
fn f_on_a_group_shows_its_signatures_at_once_then_walks_each_failed_run() {
    let (s, e) = opened(120, 40);
    let v = view(&s);
    assert_eq!(v.sigs.len(), 2);
    assert_eq!(v.sigs[0].runs.len(), 3);
    assert_eq!(v.sigs[0].class, Class::OutOfMemory);
    assert_eq!(v.sigs[1].class, Class::MissingInput);
    let walks: Vec<&String> = e
        .iter()
        .filter_map(|e| match e {
            Effect::Load {
                req: Request::Triage { run_uuid, .. },
                ..
            } => Some(run_uuid),
            _ => None,
        })
        .collect();
    assert_eq!(
        walks.len(),
        5,
        "one walk per failed run, none for the others"
    );
    assert!(v.deep_running());
}

#[test]
fn the_deep_pass_refines_signatures_as_answers_arrive() {
    let (mut s, _) = opened(120, 40);
    let run = "5b5b5b5b-0000-4000-8000-000000000004".to_string();
    api(
        &mut s,
        ApiResult::loaded(
            Request::Triage {
                scope: crate::tui::fixtures::scope(),
                group_id: fx::GROUP.into(),
                run_uuid: run,
            },
            Ok(Answer::Triage(Some(DeepFailure {
                task: "Germline.Align.BwaMem".into(),
                error: "[mem_sam_pe] paired reads have different names".into(),
                job: JobRef {
                    job_id: "j".into(),
                    path: "/a".into(),
                },
                at: None,
                requests: 2,
            }))),
        ),
    );
    let v = view(&s);
    assert_eq!(v.deep_done, 1);
    assert_eq!(v.sigs.len(), 3, "the refined run has its own task now");
    // An answer for another group is not taken.
    api(
        &mut s,
        ApiResult::loaded(
            Request::Triage {
                scope: crate::tui::fixtures::scope(),
                group_id: "run-other".into(),
                run_uuid: "5b5b5b5b-0000-4000-8000-000000000005".into(),
            },
            Ok(Answer::Triage(None)),
        ),
    );
    assert_eq!(view(&s).deep_done, 1);
}

#[test]
fn a_signatures_retry_names_exactly_its_runs_and_counts_their_cache() {
    let (mut s, _) = opened(120, 40);
    update(&mut s, Action::Enter);
    assert!(view(&s).opened().is_some());
    update(&mut s, Action::Retry);
    let Some(Popup::Confirm(c)) = &s.popup else {
        panic!("a confirmation, not {:?}", s.popup);
    };
    let text = c.lines.join("\n");
    assert!(text.contains("Retry the 3 run(s) of signature 1"), "{text}");
    assert!(text.contains("out of memory"), "{text}");
    // One of the three clears within the hour (30 minutes from now).
    assert!(text.contains("3 run(s) can resume from theirs"), "{text}");
    assert!(text.contains("1 clear within the hour"), "{text}");
    update(&mut s, Action::NextChoice);
    let e = update(&mut s, Action::Confirm);
    let [Effect::Retry { request, .. }] = &e[..] else {
        panic!("one retry: {e:?}");
    };
    let mut runs = request.run_uuids.clone();
    runs.sort();
    assert_eq!(
        runs,
        [1, 2, 3].map(|i| format!("5b5b5b5b-0000-4000-8000-00000000000{i}"))
    );
    assert_eq!(
        request.wdl_option.as_ref().and_then(|o| o.use_call_cache),
        Some(true)
    );
}

#[test]
fn read_only_refuses_a_signatures_retry() {
    let (mut s, _) = opened(120, 40);
    s.settings.read_only = true;
    assert!(update(&mut s, Action::Retry).is_empty());
    assert!(matches!(s.popup, Some(Popup::Signatures(_))));
}

#[test]
fn a_samples_attempts_and_the_samples_still_failing() {
    // On a run: every attempt of its sample.
    let mut s = fx::at_runs(120, 40);
    s.runs_mut().expect("a runs view").list.select_id(fx::RUN);
    let e = update(&mut s, Action::Attempts);
    let [
        Effect::Load {
            req: Request::Attempts { samples, .. },
            ..
        },
    ] = &e[..]
    else {
        panic!("one lookup: {e:?}");
    };
    assert_eq!(samples, &["NA12891".to_string()]);
    let newest_first = vec![
        fx::attempt("r2", "NA12891", "run-retry-1", "SUCCESS"),
        fx::attempt("r1", "NA12891", fx::GROUP, "EXECUTOR_ERROR"),
    ];
    api(
        &mut s,
        ApiResult::loaded(
            Request::Attempts {
                scope: crate::tui::fixtures::scope(),
                samples: samples.clone(),
            },
            Ok(Answer::Attempts(
                [("NA12891".to_string(), newest_first)]
                    .into_iter()
                    .collect(),
            )),
        ),
    );
    let Some(Popup::Attempts(v)) = &s.popup else {
        panic!("the attempts view");
    };
    assert_eq!(v.rows.len(), 2);
    assert_eq!(v.rows[0].1.run_uuid.as_deref(), Some("r2"));

    // In the signatures: the failed samples whose latest attempt failed too.
    let (mut s, _) = opened(120, 40);
    let e = update(&mut s, Action::Attempts);
    let [
        Effect::Load {
            req: Request::Attempts { samples, .. },
            ..
        },
    ] = &e[..]
    else {
        panic!("one lookup: {e:?}");
    };
    assert_eq!(samples.len(), 5);
    let answer = samples
        .iter()
        .map(|x| {
            let latest = if x == "S0001" {
                "SUCCESS"
            } else {
                "EXECUTOR_ERROR"
            };
            (
                x.clone(),
                vec![fx::attempt(&format!("{x}-2"), x, "run-retry-1", latest)],
            )
        })
        .collect();
    api(
        &mut s,
        ApiResult::loaded(
            Request::Attempts {
                scope: crate::tui::fixtures::scope(),
                samples: samples.clone(),
            },
            Ok(Answer::Attempts(answer)),
        ),
    );
    let Some(Popup::Attempts(v)) = &s.popup else {
        panic!("the attempts view");
    };
    let still: Vec<&str> = v.rows.iter().map(|(x, _)| x.as_str()).collect();
    assert_eq!(still, ["S0002", "S0003", "S0004", "S0005"]);
}

/// The calls of the run `uuid` at `path`, answered.
fn calls_of(uuid: &str, path: &str, calls: Vec<crate::api::types::RunMetadata>) -> ApiResult {
    ApiResult::loaded(
        Request::calls(&fx::scope(), uuid, path),
        Ok(Answer::Calls(calls)),
    )
}

/// The deep pass's answer for one of the fixture group's runs.
fn walked(run_uuid: &str, found: Option<DeepFailure>) -> ApiResult {
    ApiResult::loaded(
        Request::Triage {
            scope: fx::scope(),
            group_id: fx::GROUP.into(),
            run_uuid: run_uuid.into(),
        },
        Ok(Answer::Triage(found)),
    )
}

#[test]
fn a_signatures_run_opens_on_its_failed_call_and_esc_comes_back_to_the_signature() {
    let (mut s, _) = opened(120, 40);
    update(&mut s, Action::Down);
    update(&mut s, Action::Enter);
    update(&mut s, Action::Down);
    let sig = view(&s).opened().expect("a signature's runs").clone();
    let uuid = sig.runs[1].clone();
    let e = update(&mut s, Action::Enter);
    assert!(s.popup.is_none(), "the run's tree is on screen");
    assert_eq!(s.tree().expect("a tree").run_uuid(), uuid);
    assert_eq!(calls_paths(&e), ["/"]);

    // Once its calls arrive, the search for the first failure loads the levels on the way
    // and lands on the failed shard.
    let align = format!("/{}", fx::ALIGN);
    let e = api(&mut s, calls_of(&uuid, "/", fx::top_calls()));
    assert_eq!(calls_paths(&e), [align.as_str()]);
    let bwa = format!("{align}/{}", fx::BWA);
    let e = api(&mut s, calls_of(&uuid, &align, fx::align_calls()));
    assert_eq!(calls_paths(&e), [bwa.as_str()]);
    api(&mut s, calls_of(&uuid, &bwa, fx::bwa_shards(12)));
    let t = s.tree().expect("a tree");
    let on = t.node(t.selected_node().expect("a selection")).run_id();
    assert_eq!(on, format!("{}-7", fx::BWA), "on the failed call");

    // A walk answered while the tree is open is not lost.
    let done = s.parked.as_ref().map(|p| match &p.popup {
        Popup::Signatures(v) => v.deep_done,
        other => panic!("the signatures wait under the tree, not {other:?}"),
    });
    assert_eq!(done, Some(0));
    api(&mut s, walked("5b5b5b5b-0000-4000-8000-000000000005", None));

    // Esc: back to the signature's runs, on the run that was opened.
    update(&mut s, Action::Back);
    assert_eq!(s.kind(), super::super::view::ViewKind::Runs);
    let v = view(&s);
    assert_eq!(v.opened().map(|o| &o.task), Some(&sig.task));
    assert_eq!(v.run_selected, 1);
    assert_eq!(v.deep_done, 1);
    assert!(s.parked.is_none());
    // Esc again: the signatures; once more: closed, and the runs stay.
    update(&mut s, Action::Back);
    assert!(view(&s).opened().is_none());
    update(&mut s, Action::Back);
    assert!(s.popup.is_none());
    assert_eq!(s.kind(), super::super::view::ViewKind::Runs);
}

#[test]
fn a_parked_signature_is_dropped_when_its_group_is_left_another_way() {
    let (mut s, _) = opened(120, 40);
    update(&mut s, Action::Enter);
    update(&mut s, Action::Enter);
    assert!(s.parked.is_some());
    // From the tree straight to the projects: the signatures do not follow.
    s.pop_to_projects();
    assert!(s.parked.is_none());
    assert!(s.popup.is_none());
}

#[test]
fn an_earlier_attempt_in_another_group_opens_in_that_group_and_esc_comes_back() {
    let other = "run-happy-parchment-bulldog-708923";
    let mut s = fx::at_attempts(120, 40, other);
    let e = update(&mut s, Action::Enter);
    assert!(s.popup.is_none());
    let c = s.calls().expect("the attempt's tree");
    assert_eq!(c.tree.run_uuid(), "r2");
    assert!(c.jump.is_some(), "a failed attempt opens on its failure");
    // Its context is its own group: a retry from this tree is a retry of that group.
    assert_eq!(s.group().map(|g| g.id()).as_deref(), Some(other));
    assert!(
        e.iter().any(|e| matches!(e, Effect::Load { req: Request::Calls { run_uuid, .. }, .. } if run_uuid == "r2")),
        "{e:?}"
    );
    // The trail names the other group before the run.
    let crumbs = fx::screen_lines(&s).swap_remove(0);
    assert!(
        crumbs.contains("› wgs-germli…4-06-batch-17 › 联合分型 joint calling › NA12891"),
        "{crumbs}"
    );

    update(&mut s, Action::Back);
    assert_eq!(s.kind(), super::super::view::ViewKind::Runs);
    assert_eq!(s.group().map(|g| g.id()).as_deref(), Some(fx::GROUP));
    let Some(Popup::Attempts(v)) = &s.popup else {
        panic!("the attempts again, not {:?}", s.popup);
    };
    assert_eq!(v.rows.len(), 2);
}

#[test]
fn an_attempt_in_a_group_not_listed_is_looked_up_by_its_id() {
    let mut s = fx::at_attempts(120, 40, "run-retry-1");
    let e = update(&mut s, Action::Enter);
    assert!(s.popup.is_none());
    assert!(
        e.iter().any(|e| matches!(e, Effect::Load { req: Request::Runs { query: RunsQuery::Uuid(u), .. }, .. } if u == "r2")),
        "{e:?}"
    );
    assert!(s.parked.is_none());
}

#[test]
fn the_run_left_for_its_tree_is_the_one_selected_on_return_though_the_deep_pass_moved_it() {
    let (mut s, _) = opened(120, 40);
    update(&mut s, Action::Enter);
    update(&mut s, Action::Down);
    let uuid = {
        let v = view(&s);
        v.opened().expect("a signature's runs").runs[v.run_selected].clone()
    };
    update(&mut s, Action::Enter);
    assert_eq!(s.tree().expect("its tree").run_uuid(), uuid);
    // Followed to its failing task, the run has a cause of its own now.
    api(
        &mut s,
        walked(
            &uuid,
            Some(DeepFailure {
                task: "Germline.Align.BwaMem".into(),
                error: "[mem_sam_pe] paired reads have different names".into(),
                job: JobRef {
                    job_id: "j".into(),
                    path: "/a".into(),
                },
                at: None,
                requests: 2,
            }),
        ),
    );
    update(&mut s, Action::Back);
    let v = view(&s);
    let sig = v.opened().expect("the signature that holds it now");
    assert_eq!(sig.task, "Germline.Align.BwaMem");
    assert_eq!(sig.runs.get(v.run_selected), Some(&uuid));
}

#[test]
fn going_elsewhere_from_a_signatures_run_leaves_the_signatures_behind() {
    let (mut s, _) = opened(120, 40);
    update(&mut s, Action::Enter);
    update(&mut s, Action::Enter);
    assert!(s.parked.is_some());
    // `:run` of another run of the group: its tree, and no signatures over it.
    let other = "5b5b5b5b-0000-4000-8000-000000000005";
    super::command::run(&mut s, &format!("run {other}"), &mut Vec::new());
    assert_eq!(s.tree().expect("the other tree").run_uuid(), other);
    assert!(s.popup.is_none(), "{:?}", s.popup);
    assert!(s.parked.is_none());
    update(&mut s, Action::Back);
    assert!(s.popup.is_none(), "{:?}", s.popup);
    assert_eq!(s.kind(), super::super::view::ViewKind::Runs);
}

#[test]
fn the_attempts_opened_from_the_signatures_go_back_to_them() {
    let (mut s, _) = opened(120, 40);
    update(&mut s, Action::Down);
    update(&mut s, Action::Attempts);
    assert!(matches!(s.popup, Some(Popup::Attempts(_))));
    // A walk answered meanwhile still refines them.
    api(&mut s, walked("5b5b5b5b-0000-4000-8000-000000000005", None));
    update(&mut s, Action::Cancel);
    let v = view(&s);
    assert_eq!(v.selected, 1, "as they were left");
    assert_eq!(v.deep_done, 1);
    update(&mut s, Action::Back);
    assert!(s.popup.is_none());
    // Opened on a run, the attempts just close.
    let mut s = fx::at_attempts(120, 40, "run-retry-1");
    update(&mut s, Action::Cancel);
    assert!(s.popup.is_none());
}

/// Opens the first signature's first run after the deep pass placed its failure at `job`.
fn opened_after_the_deep_pass(job: JobRef) -> (State, String) {
    let (mut s, _) = opened(120, 40);
    update(&mut s, Action::Enter);
    let uuid = view(&s).opened().expect("a signature's runs").runs[0].clone();
    api(
        &mut s,
        walked(
            &uuid,
            Some(DeepFailure {
                task: "Align.BwaMem".into(),
                error: "bwa mem: exit code 137 (out of memory)".into(),
                job,
                at: None,
                requests: 3,
            }),
        ),
    );
    // The run moved to its refined signature, which is the one listed now.
    let v = view(&s);
    assert_eq!(
        v.opened().and_then(|o| o.runs.get(v.run_selected)),
        Some(&uuid)
    );
    update(&mut s, Action::Enter);
    assert_eq!(s.tree().expect("its tree").run_uuid(), uuid);
    (s, uuid)
}

#[test]
fn a_run_the_deep_pass_followed_opens_on_the_call_it_found() {
    let align = format!("/{}", fx::ALIGN);
    let bwa = format!("{align}/{}", fx::BWA);
    let (mut s, uuid) = opened_after_the_deep_pass(JobRef {
        job_id: "plan-bwa-shard-0003".into(),
        path: bwa.clone(),
    });
    let e = api(&mut s, calls_of(&uuid, "/", fx::top_calls()));
    assert_eq!(calls_paths(&e), [align.as_str()]);
    let e = api(&mut s, calls_of(&uuid, &align, fx::align_calls()));
    assert_eq!(calls_paths(&e), [bwa.as_str()]);
    api(&mut s, calls_of(&uuid, &bwa, fx::bwa_shards(12)));
    let t = s.tree().expect("a tree");
    let on = t.node(t.selected_node().expect("a selection")).run_id();
    assert_eq!(
        on,
        format!("{}-3", fx::BWA),
        "the call triage found, not shard 7"
    );
}

#[test]
fn a_call_triage_found_that_is_not_there_gives_the_first_failure() {
    let (mut s, uuid) = opened_after_the_deep_pass(JobRef {
        job_id: "plan-gone".into(),
        path: "/".into(),
    });
    let align = format!("/{}", fx::ALIGN);
    let e = api(&mut s, calls_of(&uuid, "/", fx::top_calls()));
    assert_eq!(calls_paths(&e), [align.as_str()], "on to the first failure");
    let bwa = format!("{align}/{}", fx::BWA);
    api(&mut s, calls_of(&uuid, &align, fx::align_calls()));
    api(&mut s, calls_of(&uuid, &bwa, fx::bwa_shards(12)));
    let t = s.tree().expect("a tree");
    let on = t.node(t.selected_node().expect("a selection")).run_id();
    assert_eq!(on, format!("{}-7", fx::BWA));
}
