//! The text inside calls: commands, runtime attributes, inputs and outputs, error messages
//! and task logs. All of it is rebuilt from the run's seed on demand.

use serde_json::json;

use super::calls::{CallRef, CallState, Ctx, call_status};
use super::names::{self, Rng, hash2};
use super::templates::Lang;
use super::world::Outcome;

const REF: &str = "/ref/Homo_sapiens_assembly38.fasta";

fn tool(ctx: &Ctx<'_>, c: CallRef) -> &'static str {
    ctx.template.nodes[c.node].tool
}

fn short_name(ctx: &Ctx<'_>, c: CallRef) -> String {
    let name = &ctx.template.nodes[c.node].name;
    // Nextflow names look like `PREFIX:SUB:PROCESS ({sample}_1)`: keep PROCESS.
    let base = name.split(' ').next().unwrap_or(name);
    base.rsplit(':').next().unwrap_or(base).to_string()
}

/// Nextflow's task hash (`3f/8a1b2c`) and the full work-directory hash.
pub fn nf_hash(ctx: &Ctx<'_>, c: CallRef) -> (String, String) {
    let h = hash2(ctx.run.seed ^ 0x4a5, c.node as u64);
    let tail = format!(
        "{:06x}{:016x}{:08x}",
        (h >> 8) & 0xff_ffff,
        names::mix(h),
        names::mix(h ^ 1) >> 32
    );
    (
        format!("{:02x}/{}", h & 0xff, &tail[..6]),
        format!("{:02x}/{tail}", h & 0xff),
    )
}

pub fn run_dir(ctx: &Ctx<'_>) -> String {
    match ctx.template.lang {
        Lang::Wdl => format!(
            "{}/env/{}/execution/{}/{}",
            ctx.wdl_volume, ctx.env_id, ctx.template.root, ctx.run.uuid
        ),
        Lang::Nextflow => format!("{}/nextflow/{}", ctx.nf_volume, ctx.run.uuid),
    }
}

pub fn work_dir(ctx: &Ctx<'_>, c: CallRef) -> String {
    if ctx.template.lang == Lang::Nextflow {
        return format!("{}/nextflow/work/{}", ctx.nf_volume, nf_hash(ctx, c).1);
    }
    let wf = ctx.template.workflow_of(c.node);
    let name = &ctx.template.nodes[c.node].name;
    let mut d = format!("{}/call-{wf}/call-{name}", run_dir(ctx));
    if let Some(i) = c.shard {
        d.push_str(&format!("/shard-{i}"));
    }
    d
}

fn resources(ctx: &Ctx<'_>, c: CallRef) -> (u32, u32) {
    match tool(ctx, c) {
        "bwa" | "STAR" => (16, 64),
        "gatk" => (4, 16),
        "salmon" => (8, 32),
        _ => (2, 8),
    }
}

pub fn runtime(ctx: &Ctx<'_>, c: CallRef) -> String {
    let (cpu, mem) = resources(ctx, c);
    let image = match tool(ctx, c) {
        "gatk" => "gatk:4.5.0.0",
        "picard" => "picard:2.27.5",
        "bwa" => "bwa:0.7.17",
        "samtools" => "samtools:1.19",
        other => {
            return json!({"cpu": cpu.to_string(), "memory": format!("{mem} GB"),
            "docker": format!("quay.io/biocontainers/{}:latest", other.to_lowercase()),
            "maxRetries": "1"})
            .to_string();
        }
    };
    json!({
        "cpu": cpu.to_string(), "memory": format!("{mem} GB"),
        "docker": format!("ccr.ccs.tencentyun.com/omics-public/{image}"),
        "maxRetries": "1", "preemptible": "false", "continueOnReturnCode": "0", "failOnStderr": "false"
    })
    .to_string()
}

/// A shard's slice of the genome: `{INTERVAL_DIR}{i:04}{INTERVAL_SUFFIX}`.
pub const INTERVAL_DIR: &str = "/intervals/scattered/";
pub const INTERVAL_SUFFIX: &str = "-scattered.interval_list";

/// A task's command line; a shard's adds ` -L <its interval list>` (see `shards`).
pub fn command(ctx: &Ctx<'_>, c: CallRef) -> String {
    let base = base_command(ctx, c);
    match c.shard {
        Some(i) => format!("{base} -L {INTERVAL_DIR}{i:04}{INTERVAL_SUFFIX}"),
        None => base,
    }
}

fn base_command(ctx: &Ctx<'_>, c: CallRef) -> String {
    let s = &ctx.run.sample;
    let name = short_name(ctx, c);
    let (cpu, mem) = resources(ctx, c);
    match tool(ctx, c) {
        "gatk" => format!(
            "gatk --java-options \"-Xmx{}g\" {name} -R {REF} -I {s}.bam -O {s}.{}.out",
            mem - 2,
            name.to_lowercase()
        ),
        "picard" => format!(
            "java -Xmx{}g -jar /usr/picard/picard.jar {name} I={s}.bam O={s}.{}.bam",
            mem - 2,
            name.to_lowercase()
        ),
        "bwa" => format!(
            "bwa mem -K 100000000 -v 3 -t {cpu} -Y {REF} {s}_R1.fastq.gz {s}_R2.fastq.gz | samtools view -1 - > {s}.aligned.bam"
        ),
        "samtools" => format!("samtools view -C -T {REF} -o {s}.cram {s}.bam"),
        "fastqc" => format!("fastqc --quiet --threads {cpu} {s}_1.fastq.gz {s}_2.fastq.gz"),
        "STAR" => format!(
            "STAR --genomeDir star --readFilesIn {s}_1.fq.gz {s}_2.fq.gz --runThreadN {cpu} --outSAMtype BAM Unsorted --readFilesCommand zcat"
        ),
        "salmon" => format!(
            "salmon quant --libType A --threads {cpu} -i salmon_index -a {s}.Aligned.toTranscriptome.out.bam -o {s}"
        ),
        other => format!(
            "{} --threads {cpu} --input {s} --output {s}.{}",
            other.to_lowercase(),
            name.to_lowercase()
        ),
    }
}

pub fn task_input(ctx: &Ctx<'_>, c: CallRef) -> String {
    let s = &ctx.run.sample;
    let mut v =
        json!({"input_bam": format!("cos://omics-data-1250000000/{s}/{s}.bam"), "ref_fasta": REF});
    if let Some(i) = c.shard {
        v["interval_list"] = json!(format!(
            "/intervals/scattered/{i:04}-scattered.interval_list"
        ));
    }
    v.to_string()
}

pub fn task_output(ctx: &Ctx<'_>, c: CallRef, work_dir: &str) -> String {
    let name = short_name(ctx, c);
    let key = format!("{}.{name}.output", ctx.template.workflow_of(c.node));
    json!({ key: format!("{work_dir}/execution/{}.{}.out", ctx.run.sample, name.to_lowercase()) })
        .to_string()
}

pub fn meta(ctx: &Ctx<'_>, c: CallRef) -> String {
    match ctx.template.lang {
        Lang::Nextflow => json!({"hash": nf_hash(ctx, c).0, "native_id": ctx.job_id(c),
            "process": short_name(ctx, c), "tag": ctx.run.sample})
        .to_string(),
        Lang::Wdl => r#"{"attempt":"1","backend":"TKE"}"#.to_string(),
    }
}

pub fn run_input(ctx: &Ctx<'_>) -> String {
    let s = &ctx.run.sample;
    let key = match ctx.template.lang {
        Lang::Wdl => format!("{}.sample_name", ctx.template.root),
        Lang::Nextflow => "sample".to_string(),
    };
    json!({ key: s, "reads": format!("cos://omics-data-1250000000/{s}/") }).to_string()
}

pub fn run_output(ctx: &Ctx<'_>) -> String {
    let s = &ctx.run.sample;
    json!({ format!("{}.output_vcf", ctx.template.root):
        format!("cos://omics-results-1250000000/{}/{s}.vcf.gz", ctx.run.uuid) })
    .to_string()
}

/// The one telling line a tool prints when it fails.
pub fn failure_cause(ctx: &Ctx<'_>, c: CallRef) -> &'static str {
    if ctx.run.outcome == Outcome::SystemError {
        return "the compute node was reclaimed (spot instance preempted) while the task ran";
    }
    match tool(ctx, c) {
        "gatk" => {
            "A USER ERROR has occurred: Input files reference and reads have incompatible contigs: No overlapping contigs found."
        }
        "picard" => {
            "htsjdk.samtools.SAMFormatException: SAM validation error: ERROR: MAPQ should be 0 for unmapped read."
        }
        "samtools" => {
            "[E::cram_encode_container] Failed to write CRAM container: No space left on device"
        }
        "STAR" => "EXITING because of FATAL ERROR: not enough memory for BAM sorting",
        "salmon" => {
            "salmon: error while loading the index: could not open salmon_index/versionInfo.json"
        }
        "bwa" => "[mem_sam_pe] paired reads have different names",
        _ => "Killed (exit code 137: out of memory)",
    }
}

fn exit_code(ctx: &Ctx<'_>, c: CallRef) -> u32 {
    match (ctx.run.outcome, tool(ctx, c)) {
        (Outcome::SystemError, _) => 143,
        (_, "gatk" | "picard" | "samtools" | "STAR" | "salmon" | "bwa") => 1,
        _ => 137,
    }
}

/// The ErrorMessage of the task that failed the run (Cromwell's wording).
pub fn task_error(ctx: &Ctx<'_>, c: CallRef, work_dir: &str) -> String {
    let name = ctx.call_name(c);
    if ctx.run.outcome == Outcome::SystemError {
        return format!(
            "Task {name} was lost: {}.\nThe job {} was killed by the scheduler after 1 attempt.",
            failure_cause(ctx, c),
            ctx.job_id(c)
        );
    }
    format!(
        "Job {name}:NA:1 exited with return code {} which has not been declared as a valid return code. See 'continueOnReturnCode' runtime attribute for more details.\nCheck the content of stderr for potential additional information: {work_dir}/stderr.\n [First 3000 bytes]:{}",
        exit_code(ctx, c),
        failure_cause(ctx, c)
    )
}

/// A run's ErrorMessage: a short telling first line, then the details.
pub fn run_error(ctx: &Ctx<'_>, status: &str) -> String {
    match status {
        "CANCELING" | "CANCELED" => {
            "Run canceled: its run group was terminated (TerminateRunGroup).".into()
        }
        "EXECUTOR_ERROR" | "SYSTEM_ERROR" => {
            let Some(leaf) = ctx.run.fail_leaf else {
                return String::new();
            };
            let c = CallRef {
                node: leaf,
                shard: None,
            };
            let name = ctx.call_name(c);
            let work_dir = work_dir(ctx, c);
            match ctx.template.lang {
                Lang::Wdl => format!(
                    "Task {name} failed: {}\nWorkflow {} failed: 1 call failed and no new calls were started.\n{}",
                    failure_cause(ctx, c),
                    ctx.template.root,
                    task_error(ctx, c, &work_dir)
                ),
                Lang::Nextflow => format!(
                    "Process `{name}` terminated with an error exit status ({})\n\nCommand executed:\n\n  {}\n\nCommand exit status:\n  {}\n\nCommand error:\n  {}\n\nWork dir:\n  {work_dir}",
                    exit_code(ctx, c),
                    command(ctx, c),
                    exit_code(ctx, c),
                    failure_cause(ctx, c)
                ),
            }
        }
        _ => String::new(),
    }
}

/// A task's stdout or stderr as far as it has got by `now`.
pub fn job_log(ctx: &Ctx<'_>, c: CallRef, st: &CallState, stderr: bool) -> String {
    let mut rng = Rng::new(hash2(
        hash2(ctx.run.seed, c.node as u64),
        u64::from(c.shard.unwrap_or(0)) + u64::from(stderr),
    ));
    let progress = match (st.start, st.end) {
        (Some(_), Some(_)) => 1.0,
        (Some(s), None) => {
            let (_, b) = (0.0, ctx.run.at(ctx.template.nodes[c.node].b));
            ((ctx.now - s) as f64 / (b - s).max(1) as f64).clamp(0.05, 0.95)
        }
        _ => 0.0,
    };
    let t0 = st.start.unwrap_or(ctx.now);
    let name = short_name(ctx, c);
    let mut out = String::new();
    if st.cached {
        return if stderr {
            String::new()
        } else {
            format!(
                "Call {} was served from the call cache; no job ran.\n",
                ctx.call_name(c)
            )
        };
    }
    let lines = (40.0 * progress) as i64;
    if stderr {
        out.push_str(&format!(
            "{} INFO  {name} - Using {} threads\n",
            names::nf_log_time(t0),
            resources(ctx, c).0
        ));
        for i in 0..lines / 3 {
            let t = t0 + i * 7_000;
            out.push_str(&format!(
                "{} INFO  ProgressMeter - chr{}:{}  {:.1} minutes elapsed, {} reads processed\n",
                names::nf_log_time(t),
                1 + (i % 22),
                rng.range(1_000_000, 240_000_000),
                i as f64 * 0.12,
                (i + 1) * rng.range(90_000, 120_000)
            ));
        }
        if st.failed_here {
            let cause = failure_cause(ctx, c);
            out.push_str(&format!(
                "{} ERROR {name} - {cause}\n",
                names::nf_log_time(st.end.unwrap_or(ctx.now))
            ));
            out.push_str(
                "***********************************************************************\n\n",
            );
            out.push_str(&format!("{cause}\n\n"));
            out.push_str(
                "***********************************************************************\n",
            );
            out.push_str(&format!("Set the system property GATK_STACKTRACE_ON_USER_EXCEPTION to true to see the stack trace.\nexit status {}\n", exit_code(ctx, c)));
            // What the JVM prints on the way out: frames indented with tabs, as real stderr is.
            out.push_str("Exception in thread \"main\" org.broadinstitute.hellbender.exceptions.UserException\n\tat org.broadinstitute.hellbender.cmdline.CommandLineProgram.runTool(CommandLineProgram.java:140)\n\tat org.broadinstitute.hellbender.Main.mainEntry(Main.java:218)\n");
        } else if st.status == call_status::COMPLETE {
            out.push_str(&format!(
                "{} INFO  {name} - Shutting down engine\n",
                names::nf_log_time(st.end.unwrap_or(ctx.now))
            ));
        }
    } else {
        out.push_str(&format!(
            "Running {name} for sample {} on {}\n",
            ctx.run.sample,
            ctx.job_id(c)
        ));
        for i in 0..lines {
            out.push_str(&format!(
                "[{}] processed {} records\n",
                names::nf_log_time(t0 + i * 3_000),
                (i + 1) * rng.range(50_000, 60_000)
            ));
        }
        if st.status == call_status::COMPLETE {
            out.push_str("Done.\n");
        }
    }
    out
}
