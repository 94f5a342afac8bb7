//! Gradient ascent in the latent space (seed method 000): from a patent's latent mean z0, repeated
//! steps z <- z + step_size x dP(L1 | z)/dz, where P is the sigmoid of the model's predictor, until
//! P reaches the threshold or the iterations run out (or, as the reference did, one step past the
//! point that reached it). Each patent of a batch stops on its own; the
//! gradient of the batch's summed probability is each patent's own gradient, since a patent's P
//! depends only on its own z.

use burn::tensor::activation::sigmoid;
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::{Tensor, TensorData};
use train::Model;

/// How the search moves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AscentSettings {
    /// Multiplier of the gradient in each step.
    pub step_size: f64,
    /// Most steps per patent.
    pub iterations: usize,
    /// A patent stops once its predicted P(L1) is at least this.
    pub threshold: f64,
    /// Take one more step after the point that reached the threshold and end there (the
    /// reference's loop decoded z one step past the threshold).
    pub step_past_threshold: bool,
}

impl Default for AscentSettings {
    fn default() -> Self {
        AscentSettings { step_size: 40.0, iterations: 30, threshold: 0.8, step_past_threshold: false }
    }
}

/// The search path of one patent: the latent points visited (z0 first) and P(L1) at each.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Path {
    pub points: Vec<Vec<f32>>,
    pub probabilities: Vec<f64>,
}

impl Path {
    /// Steps taken.
    pub fn iterations(&self) -> usize {
        self.points.len().saturating_sub(1)
    }

    /// P(L1) at the start.
    pub fn start_probability(&self) -> f64 {
        self.probabilities[0]
    }

    /// P(L1) at the end.
    pub fn end_probability(&self) -> f64 {
        *self.probabilities.last().expect("a path holds its start")
    }

    /// Whether the search reached a probability of at least `threshold` (at its end, or one step
    /// before it when it stepped past the threshold).
    pub fn reached(&self, threshold: f64) -> bool {
        self.probabilities.iter().any(|&p| p >= threshold)
    }

    /// The last point.
    pub fn end(&self) -> &[f32] {
        self.points.last().expect("a path holds its start")
    }
}

/// Runs the ascent from each row of `z0` [patents, latent] (the rows as plain values).
pub fn ascend<B: AutodiffBackend>(
    model: &Model<B>,
    z0: &[Vec<f32>],
    settings: &AscentSettings,
    device: &B::Device,
) -> Vec<Path> {
    let n = z0.len();
    let Some(width) = z0.first().map(Vec::len) else { return vec![] };
    let mut z: Vec<f32> = z0.concat();
    let mut paths = vec![Path::default(); n];
    let mut active = vec![true; n];
    let mut past = vec![false; n];
    // One iteration more than the steps, for a step past the threshold reached at the last one.
    for step in 0..=settings.iterations + 1 {
        let point = Tensor::<B, 2>::from_data(TensorData::new(z.clone(), [n, width]), device).require_grad();
        let probability = sigmoid(model.predict(point.clone()));
        let values: Vec<f32> = probability.clone().into_data().convert::<f32>().to_vec().expect("float data");
        for i in 0..n {
            if !active[i] {
                continue;
            }
            paths[i].points.push(z[i * width..(i + 1) * width].to_vec());
            paths[i].probabilities.push(values[i] as f64);
            let below = (values[i] as f64) < settings.threshold;
            active[i] = if past[i] {
                false
            } else if !below && settings.step_past_threshold {
                past[i] = true;
                true
            } else {
                below && step < settings.iterations
            };
        }
        if !active.iter().any(|a| *a) {
            break;
        }
        let gradients = probability.sum().backward();
        let gradient: Vec<f32> = point
            .grad(&gradients)
            .expect("z requires its gradient")
            .into_data()
            .convert::<f32>()
            .to_vec()
            .expect("float data");
        for i in (0..n).filter(|&i| active[i]) {
            for j in 0..width {
                z[i * width + j] += (settings.step_size * gradient[i * width + j] as f64) as f32;
            }
        }
    }
    paths
}
