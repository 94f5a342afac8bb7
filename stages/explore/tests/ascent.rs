//! Gradient ascent on a model trained on the toy problem: the predicted probability rises, the
//! first step is step_size times the gradient (checked by finite differences), and each patent
//! stops exactly when the threshold is crossed or the iterations run out.

use burn::backend::{Autodiff, NdArray};
use burn::module::AutodiffModule;
use burn::tensor::{Tensor, TensorData};
use explore::{AscentSettings, ascend};
use train::fit::{Example, batch};
use train::{Model, fit, toy};

type Cpu = NdArray<f32>;
type CpuTrain = Autodiff<Cpu>;

/// A model trained on the toy problem and the latent means of some of its L2 examples.
fn trained() -> (Model<CpuTrain>, Vec<Vec<f32>>) {
    let config = toy::train_config(3, 8);
    let device = Default::default();
    let sizes = (toy::CODE_VOCABULARY, toy::TEXT_VOCABULARY);
    let (model, _) = fit::<CpuTrain>(&config, sizes, &toy::examples(96, 7), &toy::examples(16, 8), &device, |_, _| {});
    let starts: Vec<Example> = toy::examples(24, 9).into_iter().filter(|e| !e.l1).collect();
    let b = batch::<Cpu>(&starts.iter().collect::<Vec<_>>(), &device);
    let mu = model.valid().encode(b.cpc, b.text).0;
    let width = mu.dims()[1];
    let flat: Vec<f32> = mu.into_data().to_vec().unwrap();
    (model, flat.chunks(width).map(<[f32]>::to_vec).collect())
}

fn probability(model: &Model<Cpu>, z: &[f32]) -> f64 {
    let t = Tensor::<Cpu, 2>::from_data(TensorData::new(z.to_vec(), [1, z.len()]), &Default::default());
    let logit = model.predict(t).into_scalar() as f64;
    1.0 / (1.0 + (-logit).exp())
}

#[test]
fn ascent_raises_the_predicted_probability() {
    let (model, starts) = trained();
    let paths = ascend(&model, &starts, &AscentSettings::default(), &Default::default());
    assert_eq!(paths.len(), starts.len());
    let mean = |f: &dyn Fn(&explore::Path) -> f64| paths.iter().map(f).sum::<f64>() / paths.len() as f64;
    let (start, end) = (mean(&|p| p.start_probability()), mean(&|p| p.end_probability()));
    assert!(start < 0.5, "the L2 examples start low: {start}");
    assert!(end > start + 0.2, "mean P(L1) {start} -> {end}");
    let valid = model.valid();
    for path in &paths {
        assert!(path.end_probability() > path.start_probability(), "{:?}", path.probabilities);
        // The recorded probabilities are the model's at the recorded points.
        for (point, p) in path.points.iter().zip(&path.probabilities) {
            assert!((probability(&valid, point) - p).abs() < 1e-5);
        }
    }
}

#[test]
fn the_first_step_is_step_size_times_the_finite_difference_gradient() {
    let (model, starts) = trained();
    let valid = model.valid();
    let settings = AscentSettings { step_size: 2.0, iterations: 1, threshold: 1.0, ..Default::default() };
    let paths = ascend(&model, &starts[..3], &settings, &Default::default());
    let h = 1e-2f32;
    for (path, z0) in paths.iter().zip(&starts) {
        assert_eq!(path.iterations(), 1);
        for j in 0..z0.len() {
            let (mut up, mut down) = (z0.clone(), z0.clone());
            up[j] += h;
            down[j] -= h;
            let gradient = (probability(&valid, &up) - probability(&valid, &down)) / (2.0 * h as f64);
            let moved = (path.points[1][j] - z0[j]) as f64;
            assert!(
                (moved - 2.0 * gradient).abs() < 2e-3,
                "dimension {j}: moved {moved}, 2 x gradient {}",
                2.0 * gradient
            );
        }
    }
}

#[test]
fn each_patent_stops_when_it_crosses_the_threshold() {
    let (model, starts) = trained();
    let device = Default::default();
    // Threshold 0: every patent is already there.
    let none = ascend(
        &model,
        &starts,
        &AscentSettings { step_size: 40.0, iterations: 30, threshold: 0.0, ..Default::default() },
        &device,
    );
    assert!(none.iter().all(|p| p.iterations() == 0 && p.points.len() == 1));
    // Threshold 1: unreachable, so every patent takes all steps.
    let all = ascend(
        &model,
        &starts,
        &AscentSettings { step_size: 1.0, iterations: 7, threshold: 1.0, ..Default::default() },
        &device,
    );
    assert!(all.iter().all(|p| p.iterations() == 7 && p.probabilities.len() == 8));
    // A threshold between: a path ends at its first point at or above it, or after all steps.
    let threshold = 0.6;
    let some = ascend(
        &model,
        &starts,
        &AscentSettings { step_size: 40.0, iterations: 30, threshold, ..Default::default() },
        &device,
    );
    for p in &some {
        let (last, before) = p.probabilities.split_last().unwrap();
        assert!(before.iter().all(|&q| q < threshold), "{:?}", p.probabilities);
        assert!(*last >= threshold || p.iterations() == 30, "{:?}", p.probabilities);
    }
    assert!(some.iter().any(|p| p.iterations() > 0) && some.iter().any(|p| p.end_probability() >= threshold));
}

#[test]
fn stepping_past_the_threshold_adds_exactly_one_step_to_paths_that_reach_it() {
    let (model, starts) = trained();
    let device = Default::default();
    let threshold = 0.6;
    let plain = AscentSettings { step_size: 40.0, iterations: 30, threshold, ..Default::default() };
    let past = AscentSettings { step_past_threshold: true, ..plain };
    let (stopped, stepped) = (ascend(&model, &starts, &plain, &device), ascend(&model, &starts, &past, &device));
    let mut reached = 0;
    for (a, b) in stopped.iter().zip(&stepped) {
        assert_eq!(b.points[..a.points.len()], a.points[..], "the same path up to the stop");
        if a.reached(threshold) {
            reached += 1;
            assert_eq!(b.points.len(), a.points.len() + 1, "one step more");
            assert!(b.reached(threshold));
            assert_eq!(b.probabilities.len(), b.points.len(), "the extra point's P(L1) is recorded");
        } else {
            assert_eq!(b.points.len(), a.points.len(), "a search that never reached it takes no extra step");
        }
    }
    assert!(reached > 0, "{reached} of {} reached", stopped.len());
    // reaching it at the very last allowed step still takes the step past it
    let none = ascend(&model, &starts, &AscentSettings { threshold: 0.0, ..past }, &device);
    assert!(none.iter().all(|p| p.points.len() == 2));
}
