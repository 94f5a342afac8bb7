//! Explore's gradient ascent on burn-tch (CPU) takes the steps it takes on burn-ndarray: from the
//! same weights (a model trained on the toy problem, moved across as its checkpoint) and the same
//! starting points, every path visits the same latent points with the same probabilities, within
//! float32 tolerance. Built only with the `gpu` feature and libtorch (`tests/gpu/setup.sh`).

use burn::backend::libtorch::LibTorchDevice;
use burn::module::AutodiffModule;
use explore::{AscentSettings, ascend};
use train::backend::{NdArrayCpu, Tch};
use train::fit::{Example, batch};
use train::{checkpoint, fit, toy};

/// Points and probabilities along a path: |a - b| / (1 + |a|) after up to 30 steps of size 40
/// (each step multiplies a gradient's float32 noise by the step size).
const TOLERANCE: f64 = 1e-3;

#[test]
fn ascent_paths_agree() {
    let config = toy::train_config(3, 8);
    let sizes = (toy::CODE_VOCABULARY, toy::TEXT_VOCABULARY);
    let cpu = Default::default();
    let (ndarray, _) = fit::<NdArrayCpu>(&config, sizes, &toy::examples(96, 7), &toy::examples(16, 8), &cpu, |_, _| {});
    let bytes = checkpoint::to_bytes(&ndarray).unwrap();
    let tch = checkpoint::from_bytes::<Tch>(&config.model, sizes, bytes, &LibTorchDevice::Cpu).unwrap();

    let starts: Vec<Example> = toy::examples(24, 9).into_iter().filter(|e| !e.l1).collect();
    let b = batch::<burn::backend::NdArray<f32>>(&starts.iter().collect::<Vec<_>>(), &cpu);
    let mu = ndarray.valid().encode(b.cpc, b.text).0;
    let width = mu.dims()[1];
    let flat: Vec<f32> = mu.into_data().to_vec().unwrap();
    let z0: Vec<Vec<f32>> = flat.chunks(width).map(<[f32]>::to_vec).collect();

    let settings = AscentSettings::default();
    let a = ascend(&ndarray, &z0, &settings, &cpu);
    let b = ascend(&tch, &z0, &settings, &LibTorchDevice::Cpu);
    let mut worst = 0.0f64;
    for (pa, pb) in a.iter().zip(&b) {
        assert_eq!(pa.iterations(), pb.iterations(), "the paths stop after different numbers of steps");
        for (x, y) in pa.points.iter().flatten().zip(pb.points.iter().flatten()) {
            worst = worst.max((*x as f64 - *y as f64).abs() / (1.0 + (*x as f64).abs()));
        }
        for (x, y) in pa.probabilities.iter().zip(&pb.probabilities) {
            worst = worst.max((x - y).abs());
        }
    }
    eprintln!(
        "{} paths, {} steps in all, largest difference {worst:.1e}",
        a.len(),
        a.iter().map(|p| p.iterations()).sum::<usize>()
    );
    assert!(a.iter().any(|p| p.iterations() > 0), "no path took a step: the check would be vacuous");
    assert!(worst <= TOLERANCE, "the paths differ by {worst:e}");
}
