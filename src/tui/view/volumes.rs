//! An environment's cache volumes (DescribeVolumes).

use crate::api::actions::body;
use crate::api::types::Volume;
use crate::api::{Call, Priority, Scope};

use super::super::action::Action;
use super::super::effect::{Effect, Request};
use super::super::state::list::{Item, ListView, SortKey};

pub const HINTS: &[Action] = &[
    Action::Help,
    Action::Back,
    Action::Filter,
    Action::Sort,
    Action::Copy,
    Action::Command,
    Action::Quit,
];

impl Item for Volume {
    fn id(&self) -> String {
        self.volume_id.clone().unwrap_or_default()
    }
    fn status(&self) -> &str {
        self.status.as_deref().unwrap_or("")
    }
    fn haystack(&self) -> String {
        format!(
            "{} {} {} {} {}",
            self.name.as_deref().unwrap_or(""),
            self.id(),
            self.kind.as_deref().unwrap_or(""),
            self.spec.as_deref().unwrap_or(""),
            self.default_mount_path.as_deref().unwrap_or("")
        )
    }
    fn sort_columns() -> &'static [&'static str] {
        &["name", "used", "capacity", "status"]
    }
    fn sort_key(&self, col: usize) -> SortKey {
        match col {
            0 => SortKey::Text(self.name.clone().unwrap_or_default().to_lowercase()),
            1 => SortKey::Num(self.usage.unwrap_or(0)),
            2 => SortKey::Num(self.capacity.unwrap_or(0)),
            _ => SortKey::Text(self.status().to_string()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct VolumesView {
    pub region: String,
    pub environment_id: String,
    pub environment_name: String,
    pub list: ListView<Volume>,
}

impl VolumesView {
    pub fn new(region: String, environment_id: String, environment_name: String) -> Self {
        let mut list = ListView::new(0, false);
        list.loading = true;
        Self {
            region,
            environment_id,
            environment_name,
            list,
        }
    }
}

impl VolumesView {
    pub fn wants(&self) -> Vec<Effect> {
        vec![Effect::load(self.request(), Priority::Background)]
    }

    pub fn request(&self) -> Request {
        Request::Volumes {
            region: self.region.clone(),
            environment_id: self.environment_id.clone(),
        }
    }

    /// DescribeVolumes of the environment (the action filters by Name and IsDefault only).
    pub fn tccli(&self) -> Option<Call> {
        let mut b = body::page(&Scope::new(self.region.clone(), None), &[], 0);
        b["EnvironmentId"] = self.environment_id.clone().into();
        Some(Call::new("DescribeVolumes", self.region.clone(), b))
    }
}
