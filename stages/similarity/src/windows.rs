//! The windows of a focal patent and the plan that turns them into per-year centroid work.
//!
//! A focal patent filed in year T is compared with the patents filed in the backward window
//! T-b..T-1 and the forward window T+1..T+f (same-year patents are in neither). Every pair is
//! weighted with the BIDF of one year t, fixed by the pair's two filing years ([`BidfYear`]), so all
//! pairs between focal year T and window year Y share t, and the sum of the focal patent's
//! similarities to year Y is one dot product with the centroid of year Y under BIDF_t. The plan
//! groups the (T, Y) year pairs by t: one pass per weighting year computes the centroids and dot
//! products it needs. Within a pass, the window years that one focal year T sums in one direction
//! under t share a single centroid (the sum of their yearly centroids), so a focal patent needs one
//! dot product per (direction, t), not one per window year: under the earlier-year convention its
//! whole forward window is one dot product under BIDF_T, its backward window one per year.

use std::collections::BTreeMap;

use crate::options::BidfYear;

/// Which window a year pair belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Direction {
    /// The window year is before the focal year.
    Backward,
    /// The window year is after the focal year.
    Forward,
}

impl Direction {
    /// The value of the `direction` column.
    pub fn name(self) -> &'static str {
        match self {
            Direction::Backward => "backward",
            Direction::Forward => "forward",
        }
    }
}

/// A focal filing year and one year of its windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct YearPair {
    /// Filing year T of the focal patents.
    pub focal_year: i32,
    /// Filing year Y of the patents they are compared with.
    pub window_year: i32,
    /// The window Y is in.
    pub direction: Direction,
}

/// The work of one weighting year t: the sets of window years whose centroids are summed, and which
/// set each focal year's window in each direction uses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WeightingPlan {
    /// Distinct sets of window years (sorted); a set's index is its group id.
    pub groups: Vec<Vec<i32>>,
    /// (focal year T, direction, group id): T's patents are summed with that group's patents.
    pub focal: Vec<(i32, Direction, usize)>,
}

impl WeightingPlan {
    /// Groups the year pairs of one weighting year.
    fn from_pairs(pairs: &[YearPair]) -> WeightingPlan {
        let mut windows: BTreeMap<(i32, Direction), Vec<i32>> = BTreeMap::new();
        for p in pairs {
            windows.entry((p.focal_year, p.direction)).or_default().push(p.window_year);
        }
        let mut plan = WeightingPlan::default();
        for ((focal_year, direction), mut years) in windows {
            years.sort();
            let group = match plan.groups.iter().position(|g| *g == years) {
                Some(group) => group,
                None => {
                    plan.groups.push(years);
                    plan.groups.len() - 1
                }
            };
            plan.focal.push((focal_year, direction, group));
        }
        plan
    }

    /// The year pairs covered (for logging).
    pub fn year_pairs(&self) -> usize {
        self.focal.iter().map(|&(_, _, g)| self.groups[g].len()).sum()
    }
}

/// Window lengths and the weighting convention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Windows {
    /// b: the backward window is T-b..T-1.
    pub backward_years: i32,
    /// f: the forward window is T+1..T+f.
    pub forward_years: i32,
    /// Whose filing year's BIDF weights a pair.
    pub bidf_year: BidfYear,
}

impl Windows {
    /// The window of focal year `focal` that year `other` falls in, if any.
    pub fn direction(&self, focal: i32, other: i32) -> Option<Direction> {
        if other < focal && other >= focal - self.backward_years {
            Some(Direction::Backward)
        } else if other > focal && other <= focal + self.forward_years {
            Some(Direction::Forward)
        } else {
            None
        }
    }

    /// The work of each weighting year t over the filing years present, `years`.
    pub fn plan(&self, years: &[i32]) -> BTreeMap<i32, WeightingPlan> {
        self.year_pairs(years).iter().map(|(&t, pairs)| (t, WeightingPlan::from_pairs(pairs))).collect()
    }

    /// Every (focal year, window year) pair among `years` (the filing years present), grouped by
    /// the weighting year t of its patent pairs.
    pub fn year_pairs(&self, years: &[i32]) -> BTreeMap<i32, Vec<YearPair>> {
        let mut plan: BTreeMap<i32, Vec<YearPair>> = BTreeMap::new();
        for &focal_year in years {
            for &window_year in years {
                if let Some(direction) = self.direction(focal_year, window_year) {
                    let t = self.bidf_year.pick(focal_year, window_year);
                    plan.entry(t).or_default().push(YearPair { focal_year, window_year, direction });
                }
            }
        }
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(focal_year: i32, window_year: i32, direction: Direction) -> YearPair {
        YearPair { focal_year, window_year, direction }
    }

    #[test]
    fn windows_exclude_the_focal_year() {
        let w = Windows { backward_years: 2, forward_years: 3, bidf_year: BidfYear::Earlier };
        let got: Vec<_> = (2000..=2010).map(|y| w.direction(2005, y)).collect();
        use Direction::*;
        let want = [
            None,
            None,
            None,
            Some(Backward),
            Some(Backward),
            None,
            Some(Forward),
            Some(Forward),
            Some(Forward),
            None,
            None,
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn earlier_convention_weights_with_the_older_year() {
        let w = Windows { backward_years: 1, forward_years: 2, bidf_year: BidfYear::Earlier };
        let plan = w.year_pairs(&[2000, 2001, 2003]);
        use Direction::*;
        // 2000 -> forward 2001 (t 2000), 2002 absent; 2001 -> backward 2000 (t 2000), forward 2003 (t 2001);
        // 2003 -> backward 2002 absent, forward none.
        assert_eq!(plan[&2000], [pair(2000, 2001, Forward), pair(2001, 2000, Backward)]);
        assert_eq!(plan[&2001], [pair(2001, 2003, Forward)]);
        assert_eq!(plan.len(), 2);
    }

    #[test]
    fn later_convention_weights_with_the_newer_year() {
        let w = Windows { backward_years: 1, forward_years: 2, bidf_year: BidfYear::Later };
        let plan = w.year_pairs(&[2000, 2001, 2003]);
        use Direction::*;
        assert_eq!(plan[&2001], [pair(2000, 2001, Forward), pair(2001, 2000, Backward)]);
        assert_eq!(plan[&2003], [pair(2001, 2003, Forward)]);
        assert_eq!(plan.len(), 2);
    }

    #[test]
    fn a_focal_years_window_in_one_direction_is_one_group() {
        // Earlier convention, b = 2, f = 3, years 2000..=2005: under t = 2001 the focal year 2001
        // sums its forward years 2002..=2004 as one group, and 2002 and 2003 both sum the backward
        // year 2001: one shared group.
        let w = Windows { backward_years: 2, forward_years: 3, bidf_year: BidfYear::Earlier };
        let plan = w.plan(&[2000, 2001, 2002, 2003, 2004, 2005]);
        let t = &plan[&2001];
        let group_of = |focal, direction| {
            let &(_, _, g) = t.focal.iter().find(|f| f.0 == focal && f.1 == direction).expect("planned");
            t.groups[g].clone()
        };
        assert_eq!(group_of(2001, Direction::Forward), [2002, 2003, 2004]);
        assert_eq!(group_of(2002, Direction::Backward), [2001]);
        assert_eq!(group_of(2003, Direction::Backward), [2001]);
        assert_eq!(t.groups.len(), 2);
        assert_eq!(t.focal.len(), 3);
        assert_eq!(t.year_pairs(), 5);
        // Every year pair of every t is covered exactly once.
        let pairs: usize = w.year_pairs(&[2000, 2001, 2002, 2003, 2004, 2005]).values().map(Vec::len).sum();
        assert_eq!(plan.values().map(WeightingPlan::year_pairs).sum::<usize>(), pairs);
    }
}
