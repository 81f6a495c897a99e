//! A filtered, sorted list of items with a selection: the model behind every table pane.

use crate::api::types::StatusClass;

/// Which statuses a pane shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    #[default]
    All,
    Running,
    Failed,
}

impl StatusFilter {
    pub fn next(self) -> Self {
        match self {
            Self::All => Self::Running,
            Self::Running => Self::Failed,
            Self::Failed => Self::All,
        }
    }

    pub fn admits(self, class: StatusClass) -> bool {
        match self {
            Self::All => true,
            Self::Running => class.is_live(),
            Self::Failed => class == StatusClass::Failed,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Running => "running",
            Self::Failed => "failed",
        }
    }
}

/// A value a column sorts by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortKey {
    Num(i64),
    Text(String),
}

/// What a list needs to know about its items.
pub trait Item {
    /// The id shown, copied and used to keep the selection across reloads.
    fn id(&self) -> String;
    /// The status (for colour and the status filter).
    fn status(&self) -> &str;
    /// The text the `/` filter searches.
    fn haystack(&self) -> String;
    /// The sortable columns' names, in the order `s` cycles them.
    fn sort_columns() -> &'static [&'static str];
    fn sort_key(&self, col: usize) -> SortKey;
}

/// How well `needle` matches `hay`, ignoring case: 0 a whole word of it, 1 the start of a
/// word, 2 anywhere, 3 its characters in order (a loose, fuzzy match). `None`: no match.
/// A needle holding a digit is an id (`S0002`, `run-…-551203`): it is never matched
/// loosely, where it would hit every string with those digits in order.
pub fn match_rank(hay: &str, needle: &str) -> Option<u8> {
    if needle.is_empty() {
        return Some(0);
    }
    let hay = hay.to_lowercase();
    let needle = needle.to_lowercase();
    let mut words = hay.split_whitespace();
    if words.clone().any(|w| w == needle) {
        return Some(0);
    }
    if words.any(|w| w.starts_with(&needle)) {
        return Some(1);
    }
    if hay.contains(&needle) {
        return Some(2);
    }
    if needle.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut it = hay.chars();
    needle.chars().all(|c| it.any(|h| h == c)).then_some(3)
}

/// Whether `needle` matches `hay` at all (see [`match_rank`]).
pub fn matches(hay: &str, needle: &str) -> bool {
    match_rank(hay, needle).is_some()
}

#[derive(Debug, Clone)]
pub struct ListView<T> {
    pub items: Vec<T>,
    /// Indices into `items` after filtering and sorting.
    pub shown: Vec<usize>,
    /// Index into `shown`.
    pub selected: usize,
    /// First shown row on screen.
    pub offset: usize,
    pub filter: String,
    pub status: StatusFilter,
    pub sort: usize,
    pub reverse: bool,
    pub loading: bool,
    pub loaded: bool,
    /// The sort columns' names where they depend on the data (a sample sheet's headers);
    /// empty: the item type's own.
    pub columns: Vec<String>,
}

impl<T> Default for ListView<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            shown: Vec::new(),
            selected: 0,
            offset: 0,
            filter: String::new(),
            status: StatusFilter::All,
            sort: 0,
            reverse: false,
            loading: false,
            loaded: false,
            columns: Vec::new(),
        }
    }
}

impl<T: Item> ListView<T> {
    pub fn new(sort: usize, reverse: bool) -> Self {
        Self {
            sort,
            reverse,
            ..Self::default()
        }
    }

    pub fn selected_item(&self) -> Option<&T> {
        self.shown
            .get(self.selected)
            .and_then(|&i| self.items.get(i))
    }

    pub fn selected_id(&self) -> Option<String> {
        self.selected_item().map(Item::id)
    }

    /// What the pane says when it shows no rows: still loading, not loaded yet (a load
    /// failed: the error is in the status line and the poller tries again within seconds),
    /// nothing matching the filter, or nothing at all.
    pub fn empty_text(&self, noun: &str) -> String {
        if self.loading {
            format!("loading {noun}…")
        } else if !self.loaded {
            format!("{noun} not loaded yet: trying again (R: now)")
        } else if !self.items.is_empty() {
            format!("no {noun} match the filter")
        } else {
            format!("no {noun}")
        }
    }

    /// Replaces the items, keeping the selection on the same id when it is still there.
    /// A selection on the first row stays on the first row, so a list that fills in
    /// (one region after another) starts at its top.
    pub fn set_items(&mut self, items: Vec<T>) {
        let keep = if self.selected == 0 {
            None
        } else {
            self.selected_id()
        };
        self.items = items;
        self.loaded = true;
        self.loading = false;
        self.refresh(keep.as_deref());
    }

    /// Recomputes `shown` after a change of items, filter or sort. With a text filter the
    /// best matches come first (a whole word, then the start of one, then anywhere, then
    /// loosely), each in the sort's order.
    pub fn refresh(&mut self, keep: Option<&str>) {
        let (filter, status) = (self.filter.clone(), self.status);
        let col = self.sort;
        // Each item's key is made once, not at every comparison; ties keep the items' order.
        let mut keyed: Vec<(u8, SortKey, usize)> = (0..self.items.len())
            .filter_map(|i| {
                let it = &self.items[i];
                if !status.admits(StatusClass::of(it.status())) {
                    return None;
                }
                let rank = match_rank(&it.haystack(), &filter)?;
                Some((rank, it.sort_key(col), i))
            })
            .collect();
        let reverse = self.reverse;
        keyed.sort_unstable_by(|a, b| {
            let by_sort = (&a.1, a.2).cmp(&(&b.1, b.2));
            a.0.cmp(&b.0)
                .then(if reverse { by_sort.reverse() } else { by_sort })
        });
        self.shown = keyed.into_iter().map(|(_, _, i)| i).collect();
        match keep.and_then(|id| self.position_of(id)) {
            Some(p) => self.selected = p,
            None => self.selected = self.selected.min(self.shown.len().saturating_sub(1)),
        }
    }

    pub fn position_of(&self, id: &str) -> Option<usize> {
        self.shown.iter().position(|&i| self.items[i].id() == id)
    }

    pub fn select_id(&mut self, id: &str) -> bool {
        match self.position_of(id) {
            Some(p) => {
                self.selected = p;
                true
            }
            None => false,
        }
    }

    pub fn cycle_sort(&mut self) {
        let n = self.sort_names().len().max(1);
        self.sort = (self.sort + 1) % n;
        let keep = self.selected_id();
        self.refresh(keep.as_deref());
    }

    pub fn reverse_sort(&mut self) {
        self.reverse = !self.reverse;
        let keep = self.selected_id();
        self.refresh(keep.as_deref());
    }

    pub fn cycle_status(&mut self) {
        self.status = self.status.next();
        let keep = self.selected_id();
        self.refresh(keep.as_deref());
    }

    /// Filters by text. A new filter selects its best match; clearing it keeps the
    /// selection where it is.
    pub fn set_filter(&mut self, text: &str) {
        let changed = self.filter != text;
        self.filter = text.to_string();
        let keep = self.selected_id();
        self.refresh(keep.as_deref());
        if changed && !text.is_empty() {
            self.selected = 0;
        }
    }

    /// The next (or previous) shown row whose status is failed, wrapping around.
    pub fn next_failed(&self, forward: bool) -> Option<usize> {
        let n = self.shown.len();
        (1..=n)
            .map(|k| {
                if forward {
                    (self.selected + k) % n
                } else {
                    (self.selected + n * 2 - k) % n
                }
            })
            .find(|&p| StatusClass::of(self.items[self.shown[p]].status()) == StatusClass::Failed)
    }

    /// The sortable columns' names, in the order `s` cycles them.
    pub fn sort_names(&self) -> Vec<String> {
        if self.columns.is_empty() {
            T::sort_columns().iter().map(|s| s.to_string()).collect()
        } else {
            self.columns.clone()
        }
    }

    /// The sort column and direction, as the title shows them (every frame: no copies).
    pub fn sort_label(&self) -> String {
        let name = if self.columns.is_empty() {
            T::sort_columns().get(self.sort).copied()
        } else {
            self.columns.get(self.sort).map(String::as_str)
        };
        let name = name.unwrap_or("");
        format!("{name} {}", if self.reverse { "↓" } else { "↑" })
    }
}

/// Moves a selection within `len` rows by `delta`, clamped.
pub fn moved(selected: usize, len: usize, delta: isize) -> usize {
    if len == 0 {
        return 0;
    }
    let max = len - 1;
    let s = selected as isize + delta;
    s.clamp(0, max as isize) as usize
}

/// Keeps `selected` on screen: returns the new first row for a window of `height` rows.
pub fn scrolled(offset: usize, selected: usize, height: usize) -> usize {
    let h = height.max(1);
    if selected < offset {
        selected
    } else if selected >= offset + h {
        selected + 1 - h
    } else {
        offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::types::Run;

    #[test]
    fn an_empty_pane_says_why() {
        let mut l: ListView<Run> = ListView::default();
        assert_eq!(
            l.empty_text("runs"),
            "runs not loaded yet: trying again (R: now)"
        );
        l.loading = true;
        assert_eq!(l.empty_text("runs"), "loading runs…");
        l.set_items(Vec::new());
        assert_eq!(l.empty_text("runs"), "no runs");
        l.set_items(vec![Run::default()]);
        l.filter = "no such sample".into();
        l.refresh(None);
        assert_eq!(l.shown.len(), 0);
        assert_eq!(l.empty_text("runs"), "no runs match the filter");
    }

    fn sample(id: &str) -> Run {
        Run {
            user_defined_id: Some(id.into()),
            run_uuid: Some(format!("0000-{id}").into()),
            ..Run::default()
        }
    }

    #[test]
    fn an_id_like_filter_finds_that_id_first_and_not_every_scattered_digit() {
        let mut l: ListView<Run> = ListView::default();
        l.set_items((1..=38).map(|i| sample(&format!("S{i:04}"))).collect());
        l.set_filter("S0002");
        let shown: Vec<String> = l.shown.iter().map(|&i| l.items[i].id()).collect();
        assert_eq!(shown, ["0000-S0002"]);
        // Exact before prefix before anywhere, whatever the sort says.
        let mut l: ListView<Run> = ListView::new(0, true);
        l.set_items(vec![sample("xNA12"), sample("NA12878"), sample("NA12")]);
        l.set_filter("na12");
        let shown: Vec<String> = l
            .shown
            .iter()
            .map(|&i| {
                l.items[i]
                    .user_defined_id
                    .as_deref()
                    .unwrap_or("")
                    .to_string()
            })
            .collect();
        assert_eq!(shown, ["NA12", "NA12878", "xNA12"]);
        assert_eq!(l.selected_id().as_deref(), Some("0000-NA12"));
        // Words without digits still match loosely.
        assert!(matches("GATK germline", "gkgerm"));
        assert!(!matches("S0200 S0020", "S0002"));
    }
}
