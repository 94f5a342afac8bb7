//! A two-dimensional principal-component projection of latent points, for plotting the search
//! paths: the mean and the two leading eigenvectors of the covariance matrix, found by power
//! iteration with deflation (the latent dimension is small, so the d x d matrix is cheap).

/// The fitted projection.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    mean: Vec<f64>,
    axes: [Vec<f64>; 2],
}

impl Projection {
    /// Fits the projection to `points` (all of one width; at least one).
    pub fn fit(points: &[Vec<f32>]) -> Projection {
        let width = points.first().map_or(0, Vec::len);
        let n = points.len().max(1) as f64;
        let mut mean = vec![0.0; width];
        for p in points {
            for (m, &v) in mean.iter_mut().zip(p) {
                *m += v as f64 / n;
            }
        }
        let mut covariance = vec![vec![0.0; width]; width];
        for p in points {
            for i in 0..width {
                let di = p[i] as f64 - mean[i];
                for j in 0..width {
                    covariance[i][j] += di * (p[j] as f64 - mean[j]) / n;
                }
            }
        }
        let first = leading_eigenvector(&covariance);
        let lambda = rayleigh(&covariance, &first);
        for i in 0..width {
            for j in 0..width {
                covariance[i][j] -= lambda * first[i] * first[j];
            }
        }
        let second = leading_eigenvector(&covariance);
        Projection { mean, axes: [first, second] }
    }

    /// The coordinates of `point` on the two axes.
    pub fn project(&self, point: &[f32]) -> (f64, f64) {
        let along = |axis: &[f64]| point.iter().zip(&self.mean).zip(axis).map(|((&v, m), a)| (v as f64 - m) * a).sum();
        (along(&self.axes[0]), along(&self.axes[1]))
    }
}

fn multiply(matrix: &[Vec<f64>], v: &[f64]) -> Vec<f64> {
    matrix.iter().map(|row| row.iter().zip(v).map(|(a, b)| a * b).sum()).collect()
}

fn rayleigh(matrix: &[Vec<f64>], v: &[f64]) -> f64 {
    multiply(matrix, v).iter().zip(v).map(|(a, b)| a * b).sum()
}

/// The unit eigenvector of the largest eigenvalue of a symmetric positive semi-definite matrix,
/// signed so that its largest component is positive (zero vector for a zero matrix).
fn leading_eigenvector(matrix: &[Vec<f64>]) -> Vec<f64> {
    let width = matrix.len();
    // A start vector with a component along every direction.
    let mut v: Vec<f64> = (0..width).map(|i| 1.0 + i as f64 / (width as f64 + 1.0)).collect();
    for _ in 0..500 {
        let next = multiply(matrix, &v);
        let norm = next.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm < 1e-300 {
            return vec![0.0; width];
        }
        let next: Vec<f64> = next.iter().map(|x| x / norm).collect();
        let change: f64 = next.iter().zip(&v).map(|(a, b)| (a - b).abs()).sum();
        v = next;
        if change < 1e-12 {
            break;
        }
    }
    let largest = v.iter().copied().max_by(|a, b| a.abs().total_cmp(&b.abs())).unwrap_or(0.0);
    if largest < 0.0 { v.iter().map(|x| -x).collect() } else { v }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_known_axes() {
        // Points spread 10 along (1, 1, 0)/sqrt 2, 2 along (0, 0, 1), centred on (5, -3, 1).
        let mut points = vec![];
        for a in [-1.0f64, -0.5, 0.0, 0.5, 1.0] {
            for b in [-1.0f64, 1.0] {
                let s = 10.0 * a / 2f64.sqrt();
                points.push(vec![(5.0 + s) as f32, (-3.0 + s) as f32, (1.0 + 2.0 * b) as f32]);
            }
        }
        let p = Projection::fit(&points);
        let r = 1.0 / 2f64.sqrt();
        for (got, want) in p.axes[0].iter().zip([r, r, 0.0]) {
            assert!((got - want).abs() < 1e-6, "{:?}", p.axes);
        }
        for (got, want) in p.axes[1].iter().zip([0.0, 0.0, 1.0]) {
            assert!((got - want).abs() < 1e-6, "{:?}", p.axes);
        }
        let (x, y) = p.project(&[5.0 + 10.0 * r as f32, -3.0 + 10.0 * r as f32, 3.0]);
        assert!((x - 10.0).abs() < 1e-4 && (y - 2.0).abs() < 1e-4, "{x} {y}");
    }
}
