//! The stage graph: a topological order that keeps manifest order among stages ready at the same time,
//! and, when there is none, one dependency cycle to name in the error.

use std::collections::BTreeSet;

/// Orders the nodes `0..upstream.len()` so that each comes after every node in its `upstream` list
/// (which must hold no duplicates). Among nodes ready at the same time the lowest index comes first.
///
/// On a cycle, returns `Err` with the cycle's nodes, each feeding the next, the first repeated at the end
/// and the lowest index first: `[a, b, c, a]` means b depends on a, c on b, a on c.
pub fn topo_order(upstream: &[Vec<usize>]) -> Result<Vec<usize>, Vec<usize>> {
    let n = upstream.len();
    let mut waiting_on: Vec<usize> = upstream.iter().map(Vec::len).collect();
    let mut downstream = vec![vec![]; n];
    for (node, ups) in upstream.iter().enumerate() {
        for &up in ups {
            downstream[up].push(node);
        }
    }
    let mut ready: BTreeSet<usize> = (0..n).filter(|&i| waiting_on[i] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(node) = ready.pop_first() {
        order.push(node);
        for &down in &downstream[node] {
            waiting_on[down] -= 1;
            if waiting_on[down] == 0 {
                ready.insert(down);
            }
        }
    }
    if order.len() == n {
        return Ok(order);
    }
    // Every node left over still waits on an upstream node that is also left over, so walking upstream
    // from any of them must come back to a node already on the walk.
    let left: Vec<bool> = waiting_on.iter().map(|&w| w > 0).collect();
    let start = (0..n).find(|&i| left[i]).expect("some node is left over");
    let mut walk = vec![start];
    loop {
        let node = *walk.last().expect("walk is never empty");
        let next =
            upstream[node].iter().copied().find(|&u| left[u]).expect("a left-over node waits on a left-over node");
        if let Some(pos) = walk.iter().position(|&w| w == next) {
            let mut cycle = walk.split_off(pos);
            cycle.reverse();
            let min_at = (0..cycle.len()).min_by_key(|&i| cycle[i]).expect("cycle is not empty");
            cycle.rotate_left(min_at);
            cycle.push(cycle[0]);
            return Err(cycle);
        }
        walk.push(next);
    }
}

#[cfg(test)]
mod tests {
    use super::topo_order;

    #[test]
    fn orders_after_upstream_keeping_index_order_among_ready() {
        // 0 <- 2, 1 <- 2 <- 3, 4 free
        let upstream = vec![vec![2], vec![], vec![1], vec![0, 2], vec![]];
        assert_eq!(topo_order(&upstream), Ok(vec![1, 2, 0, 3, 4]));
    }

    #[test]
    fn finds_a_cycle_in_dependency_order() {
        // 1 depends on 0, 2 on 1, 0 on 2; 3 depends on 2 (blocked but not in the cycle)
        let upstream = vec![vec![2], vec![0], vec![1], vec![2]];
        assert_eq!(topo_order(&upstream), Err(vec![0, 1, 2, 0]));
    }

    #[test]
    fn a_self_dependency_is_a_cycle() {
        let upstream = vec![vec![], vec![1]];
        assert_eq!(topo_order(&upstream), Err(vec![1, 1]));
    }
}
