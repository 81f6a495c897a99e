//! The applications the simulated account has, and the shape of their call trees.
//!
//! A template is a tree of workflows, scatters and tasks. Each node owns a fixed slice
//! `[a, b]` of its run's timeline (fractions of the run's nominal duration): a workflow's
//! children run one after another, in proportion to their weights. Nextflow templates are
//! flat: stages run one after another and the processes of a stage run side by side.

/// The language of an application; the service writes it as `WDL` or `NEXTFLOW`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Wdl,
    Nextflow,
}

impl Lang {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Wdl => "WDL",
            Self::Nextflow => "NEXTFLOW",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Workflow,
    /// A scatter of `base + (0..spread)` shards; `big` marks the scatter that the designated
    /// big-scatter run widens to `Scale::scatter_shards`.
    Scatter {
        base: u32,
        spread: u32,
        big: bool,
    },
    Task,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub name: String,
    pub kind: Kind,
    pub a: f64,
    pub b: f64,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    /// Whether a failed run may fail in this task.
    pub failable: bool,
    /// The tool the task runs (docker image tail, command word).
    pub tool: &'static str,
}

#[derive(Debug)]
pub struct Template {
    pub lang: Lang,
    /// The root workflow's name (WDL) or the pipeline name (Nextflow).
    pub root: String,
    pub nodes: Vec<Node>,
}

impl Template {
    /// The name of the workflow a node belongs to (its nearest workflow ancestor).
    pub fn workflow_of(&self, idx: usize) -> &str {
        let mut p = self.nodes[idx].parent;
        while let Some(i) = p {
            if self.nodes[i].kind == Kind::Workflow {
                return &self.nodes[i].name;
            }
            p = self.nodes[i].parent;
        }
        &self.root
    }

    /// The failable tasks, in template order.
    pub fn failable(&self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i].failable)
            .collect()
    }

    pub fn find(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name == name)
    }

    /// Whether `anc` is `idx` or one of its ancestors.
    pub fn is_ancestor(&self, anc: usize, idx: usize) -> bool {
        let mut cur = Some(idx);
        while let Some(i) = cur {
            if i == anc {
                return true;
            }
            cur = self.nodes[i].parent;
        }
        false
    }
}

/// A template under construction.
enum Spec {
    Wf(&'static str, f64, Vec<Spec>),
    Sc(&'static str, f64, u32, u32, bool, &'static str),
    T(&'static str, f64, bool, &'static str),
}

fn build_wdl(root: &str, children: Vec<Spec>) -> Template {
    let mut nodes = vec![Node {
        name: root.to_string(),
        kind: Kind::Workflow,
        a: 0.0,
        b: 1.0,
        parent: None,
        children: Vec::new(),
        failable: false,
        tool: "",
    }];
    lay_out(&mut nodes, 0, children);
    Template {
        lang: Lang::Wdl,
        root: root.to_string(),
        nodes,
    }
}

fn lay_out(nodes: &mut Vec<Node>, parent: usize, children: Vec<Spec>) {
    let weight = |s: &Spec| match s {
        Spec::Wf(_, w, _) | Spec::Sc(_, w, ..) | Spec::T(_, w, ..) => *w,
    };
    let total: f64 = children.iter().map(weight).sum();
    let (pa, pb) = (nodes[parent].a, nodes[parent].b);
    let mut cum = 0.0;
    for spec in children {
        let w = weight(&spec);
        let a = pa + (pb - pa) * cum / total;
        cum += w;
        let b = pa + (pb - pa) * cum / total;
        let idx = nodes.len();
        let (name, kind, failable, tool, sub) = match spec {
            Spec::Wf(n, _, sub) => (n, Kind::Workflow, false, "", sub),
            Spec::Sc(n, _, base, spread, big, tool) => (
                n,
                Kind::Scatter { base, spread, big },
                false,
                tool,
                Vec::new(),
            ),
            Spec::T(n, _, f, tool) => (n, Kind::Task, f, tool, Vec::new()),
        };
        nodes.push(Node {
            name: name.to_string(),
            kind,
            a,
            b,
            parent: Some(parent),
            children: Vec::new(),
            failable,
            tool,
        });
        nodes[parent].children.push(idx);
        if !sub.is_empty() {
            lay_out(nodes, idx, sub);
        }
    }
}

/// A Nextflow pipeline: stages in order, each a list of (process, tasks, failable, tool).
fn build_nf(
    pipeline: &str,
    prefix: &str,
    stages: &[&[(&'static str, u32, bool, &'static str)]],
) -> Template {
    let mut nodes = vec![Node {
        name: pipeline.to_string(),
        kind: Kind::Workflow,
        a: 0.0,
        b: 1.0,
        parent: None,
        children: Vec::new(),
        failable: false,
        tool: "",
    }];
    let n = stages.len() as f64;
    for (s, stage) in stages.iter().enumerate() {
        let (sa, sb) = (s as f64 / n, (s as f64 + 1.0) / n);
        for (p, &(process, count, failable, tool)) in stage.iter().enumerate() {
            for i in 0..count {
                // Side-by-side tasks start a little apart and end at different times.
                let k = (p as u32 * count + i) as f64;
                let a = sa + (sb - sa) * (0.02 * k).min(0.2);
                let b = sb - (sb - sa) * (0.07 * k).rem_euclid(0.3);
                let idx = nodes.len();
                let tag = if count > 1 {
                    format!("_{}", i + 1)
                } else {
                    String::new()
                };
                nodes.push(Node {
                    name: format!("{prefix}:{process} ({{sample}}{tag})"),
                    kind: Kind::Task,
                    a,
                    b,
                    parent: Some(0),
                    children: Vec::new(),
                    failable,
                    tool,
                });
                nodes[0].children.push(idx);
            }
        }
    }
    Template {
        lang: Lang::Nextflow,
        root: pipeline.to_string(),
        nodes,
    }
}

fn germline() -> Template {
    use Spec::{Sc, T, Wf};
    build_wdl(
        "WholeGenomeGermlineSingleSample",
        vec![
            T("CalculateReadGroupChecksum", 1.0, false, "picard"),
            Wf(
                "UnmappedBamToAlignedBam",
                45.0,
                vec![
                    T("GetBwaVersion", 1.0, false, "bwa"),
                    Sc("SamToFastqAndBwaMemAndMba", 20.0, 4, 6, false, "bwa"),
                    T("MarkDuplicates", 8.0, true, "picard"),
                    T("SortSampleBam", 5.0, false, "picard"),
                    Wf(
                        "BQSR",
                        12.0,
                        vec![
                            T("CreateSequenceGroupingTSV", 1.0, false, "python"),
                            Sc("BaseRecalibrator", 5.0, 18, 7, false, "gatk"),
                            T("GatherBqsrReports", 1.0, true, "gatk"),
                            Sc("ApplyBQSR", 5.0, 18, 7, false, "gatk"),
                            T("GatherBamFiles", 3.0, true, "picard"),
                        ],
                    ),
                ],
            ),
            Wf(
                "AggregatedBamQC",
                6.0,
                vec![
                    T("CollectAggregationMetrics", 3.0, false, "picard"),
                    T("CheckFingerprint", 1.0, true, "picard"),
                ],
            ),
            Wf(
                "BamToCram",
                8.0,
                vec![
                    T("ConvertToCram", 5.0, true, "samtools"),
                    T("ValidateCram", 2.0, false, "picard"),
                ],
            ),
            Wf(
                "VariantCalling",
                35.0,
                vec![
                    T("ScatterIntervalList", 1.0, false, "picard"),
                    Sc("HaplotypeCaller_GATK4", 25.0, 150, 200, true, "gatk"),
                    T("MergeVCFs", 3.0, true, "picard"),
                    T("CollectVariantCallingMetrics", 2.0, false, "picard"),
                ],
            ),
        ],
    )
}

fn somatic() -> Template {
    use Spec::{Sc, T, Wf};
    build_wdl(
        "Mutect2",
        vec![
            T("SplitIntervals", 1.0, false, "gatk"),
            Wf(
                "Preprocess",
                35.0,
                vec![
                    Sc("BwaMemTumor", 12.0, 4, 5, false, "bwa"),
                    Sc("BwaMemNormal", 12.0, 4, 5, false, "bwa"),
                    Wf(
                        "MarkAndRecalibrate",
                        11.0,
                        vec![
                            T("MarkDuplicates", 4.0, true, "picard"),
                            T("BaseRecalibrator", 3.0, false, "gatk"),
                            T("ApplyBQSR", 4.0, true, "gatk"),
                        ],
                    ),
                ],
            ),
            Sc("M2", 35.0, 50, 70, false, "gatk"),
            T("MergeVCFs", 2.0, true, "picard"),
            T("MergeStats", 1.0, false, "gatk"),
            T("LearnReadOrientationModel", 3.0, false, "gatk"),
            T("FilterMutectCalls", 3.0, true, "gatk"),
            Wf(
                "Funcotate",
                10.0,
                vec![T("FuncotateMaf", 10.0, true, "gatk")],
            ),
        ],
    )
}

fn rnaseq() -> Template {
    build_nf(
        "nf-core/rnaseq",
        "NFCORE_RNASEQ:RNASEQ",
        &[
            &[("CAT_FASTQ", 1, false, "cat")],
            &[
                (
                    "FASTQ_FASTQC_UMITOOLS_TRIMGALORE:FASTQC",
                    2,
                    false,
                    "fastqc",
                ),
                (
                    "FASTQ_FASTQC_UMITOOLS_TRIMGALORE:TRIMGALORE",
                    2,
                    false,
                    "trim_galore",
                ),
            ],
            &[("ALIGN_STAR:STAR_ALIGN", 1, true, "STAR")],
            &[
                (
                    "BAM_SORT_STATS_SAMTOOLS:SAMTOOLS_SORT",
                    1,
                    false,
                    "samtools",
                ),
                (
                    "BAM_SORT_STATS_SAMTOOLS:SAMTOOLS_INDEX",
                    1,
                    false,
                    "samtools",
                ),
            ],
            &[(
                "BAM_MARKDUPLICATES_PICARD:PICARD_MARKDUPLICATES",
                1,
                true,
                "picard",
            )],
            &[
                ("QUANTIFY_SALMON:SALMON_QUANT", 1, true, "salmon"),
                ("STRINGTIE_STRINGTIE", 1, false, "stringtie"),
                ("QUALIMAP_RNASEQ", 1, false, "qualimap"),
            ],
            &[("MULTIQC", 1, false, "multiqc")],
        ],
    )
}

fn sarek() -> Template {
    build_nf(
        "nf-core/sarek",
        "NFCORE_SAREK:SAREK",
        &[
            &[("FASTQC", 2, false, "fastqc"), ("FASTP", 2, false, "fastp")],
            &[(
                "FASTQ_ALIGN_BWAMEM_MEM2_DRAGMAP_SENTIEON:BWAMEM1_MEM",
                4,
                true,
                "bwa",
            )],
            &[("BAM_MARKDUPLICATES:GATK4_MARKDUPLICATES", 1, true, "gatk")],
            &[(
                "BAM_BASERECALIBRATOR:GATK4_BASERECALIBRATOR",
                3,
                false,
                "gatk",
            )],
            &[("BAM_APPLYBQSR:GATK4_APPLYBQSR", 3, false, "gatk")],
            &[(
                "BAM_VARIANT_CALLING_HAPLOTYPECALLER:GATK4_HAPLOTYPECALLER",
                4,
                true,
                "gatk",
            )],
            &[(
                "VCF_QC_BCFTOOLS_VCFTOOLS:BCFTOOLS_STATS",
                1,
                false,
                "bcftools",
            )],
            &[("MULTIQC", 1, false, "multiqc")],
        ],
    )
}

fn scrnaseq() -> Template {
    build_nf(
        "nf-core/scrnaseq",
        "NFCORE_SCRNASEQ:SCRNASEQ",
        &[
            &[("FASTQC_CHECK:FASTQC", 2, false, "fastqc")],
            &[("STARSOLO:STAR_GENOMEGENERATE", 1, false, "STAR")],
            &[("STARSOLO:STAR_ALIGN", 1, true, "STAR")],
            &[("MTX_CONVERSION:MTX_TO_H5AD", 1, true, "python")],
            &[("MTX_CONVERSION:CONCAT_H5AD", 1, false, "python")],
            &[("MULTIQC", 1, false, "multiqc")],
        ],
    )
}

/// An application of the simulated account.
#[derive(Debug)]
pub struct AppSpec {
    /// The application's name, also the prefix of its run groups' names.
    pub name: &'static str,
    pub group_prefix: &'static str,
    pub version: &'static str,
    pub entrypoint: &'static str,
    pub template: Template,
}

/// The applications, in a fixed order: 0 gatk-germline, 1 gatk-mutect2, 2 nf-core/rnaseq,
/// 3 nf-core/sarek, 4 nf-core/scrnaseq.
pub fn applications() -> Vec<AppSpec> {
    vec![
        AppSpec {
            name: "gatk-germline",
            group_prefix: "wgs-germline",
            version: "v3.1.9",
            entrypoint: "WholeGenomeGermlineSingleSample.wdl",
            template: germline(),
        },
        AppSpec {
            name: "gatk-mutect2",
            group_prefix: "wes-somatic",
            version: "v4.5.0",
            entrypoint: "mutect2.wdl",
            template: somatic(),
        },
        AppSpec {
            name: "nf-core/rnaseq",
            group_prefix: "rnaseq",
            version: "3.14.0",
            entrypoint: "main.nf",
            template: rnaseq(),
        },
        AppSpec {
            name: "nf-core/sarek",
            group_prefix: "sarek",
            version: "3.4.0",
            entrypoint: "main.nf",
            template: sarek(),
        },
        AppSpec {
            name: "nf-core/scrnaseq",
            group_prefix: "scrnaseq",
            version: "2.5.1",
            entrypoint: "main.nf",
            template: scrnaseq(),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn germline_nests_three_deep_and_tiles_its_timeline() {
        let t = germline();
        let bqsr = t.find("BQSR").expect("BQSR");
        let gather = t.find("GatherBqsrReports").expect("task");
        assert!(t.is_ancestor(bqsr, gather));
        assert_eq!(t.workflow_of(gather), "BQSR");
        let root = &t.nodes[0];
        let last = root.children.last().map(|&i| t.nodes[i].b);
        assert!((last.unwrap_or(0.0) - 1.0).abs() < 1e-9);
        for n in &t.nodes {
            assert!(n.a < n.b && n.a >= 0.0 && n.b <= 1.0 + 1e-9, "{}", n.name);
        }
    }

    #[test]
    fn nextflow_tasks_stay_inside_their_stage() {
        let t = sarek();
        assert!(
            t.nodes
                .iter()
                .skip(1)
                .all(|n| n.kind == Kind::Task && n.a < n.b)
        );
        assert!(!t.failable().is_empty());
    }
}
