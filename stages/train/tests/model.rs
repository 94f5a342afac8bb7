//! The model on the CPU backend (burn-ndarray): output shapes, the loss terms against hand
//! computation, the loss falling on a tiny generated set, checkpoint round trip, and determinism
//! under a seed. The backend's random generator is process-wide, so the tests that draw from it
//! take turns.

use std::sync::Mutex;

use burn::backend::{Autodiff, NdArray};
use burn::module::AutodiffModule;
use burn::tensor::{Tensor, TensorData};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use train::fit::{EpochMetrics, Example, TrainConfig, batch};
use train::model::Output;
use train::{ModelConfig, checkpoint, fit};

type Cpu = NdArray<f32>;
type CpuTrain = Autodiff<Cpu>;

static RNG_TURN: Mutex<()> = Mutex::new(());

fn small_model() -> ModelConfig {
    ModelConfig {
        cpc_embedding: 16,
        cpc_hidden: 24,
        text_model: 16,
        text_heads: 2,
        text_layers: 1,
        text_feed_forward: 32,
        max_text_len: 12,
        latent: 8,
        predictor_hidden: 16,
        dropout: 0.0,
    }
}

fn config(seed: u64) -> TrainConfig {
    TrainConfig {
        model: small_model(),
        max_codes: 6,
        epochs: 12,
        batch_size: 8,
        learning_rate: 0.01,
        beta: 0.1,
        kl_anneal_steps: 20,
        lambda: 1.0,
        positive_weight: None,
        patience: 100,
        seed,
    }
}

/// A tiny generated set over 12 codes (ids 4..16) and 20 tokens: L1 patents hold code 4 and token
/// 4; codes come in two families, so sequences are learnable.
fn tiny_set(n: usize, seed: u64) -> Vec<Example> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            let l1 = i % 4 == 0;
            let family = rng.random_range(0..2) * 6 + 4;
            let mut codes = vec![1];
            if l1 {
                codes.push(4);
            }
            codes.extend((0..rng.random_range(1..4)).map(|k| family + 1 + k));
            codes.push(2);
            let mut text: Vec<usize> = (0..rng.random_range(3..10)).map(|_| rng.random_range(5..24)).collect();
            if l1 {
                text.push(4);
            }
            Example { codes, text, l1 }
        })
        .collect()
}

#[test]
fn outputs_have_the_documented_shapes() {
    let _turn = RNG_TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let device = Default::default();
    let model = small_model().init::<Cpu>(16, 24, &device);
    let examples = tiny_set(5, 1);
    let refs: Vec<&Example> = examples.iter().collect();
    let b = batch::<Cpu>(&refs, &device);
    let [n, len] = b.cpc.dims();
    let out = model.forward(&b, true);
    assert_eq!(out.mu.dims(), [5, 8]);
    assert_eq!(out.log_var.dims(), [5, 8]);
    assert_eq!(out.logits.dims(), [n, len - 1, 16]);
    assert_eq!(out.impact_logit.dims(), [5]);
    let decoded = model.decode_greedy(out.mu, 6);
    assert_eq!(decoded.len(), 5);
    assert!(decoded.iter().all(|d| d.len() <= 6 && d.iter().all(|&id| (4..16).contains(&id))));
}

#[test]
fn loss_terms_match_hand_computation() {
    let _turn = RNG_TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let device = Default::default();
    let model = small_model().init::<Cpu>(5, 6, &device);
    // One example: codes BOS, 4, EOS; targets 4, EOS. Logits over 5 ids: at step 1 only id 4 is
    // 1.0 (others 0), at step 2 all equal.
    let ex = Example { codes: vec![1, 4, 2], text: vec![4], l1: true };
    let b = batch::<Cpu>(&[&ex], &device);
    let logits = Tensor::<Cpu, 3>::from_data(
        TensorData::new(vec![0.0f32, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0], [1, 2, 5]),
        &device,
    );
    let out = Output {
        mu: Tensor::from_data(TensorData::new(vec![0.5f32, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0], [1, 8]), &device),
        log_var: Tensor::from_data(TensorData::new(vec![0.0f32, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0], [1, 8]), &device),
        logits,
        impact_logit: Tensor::from_data(TensorData::new(vec![0.3f32], [1]), &device),
    };
    let l = model.losses(&b, &out, 9.0);
    let get = |t: Tensor<Cpu, 1>| t.into_scalar() as f64;
    // step 1: -ln(e / (e + 4)); step 2: -ln(1/5); mean of the two
    let e = std::f64::consts::E;
    let want_rec = (-(e / (e + 4.0)).ln() + 5f64.ln()) / 2.0;
    // KL = -0.5 * sum(1 + lv - mu^2 - e^lv); dimensions with mu = lv = 0 add 0
    let kl_sum: f64 = [(0.5, 0.0), (-1.0, 0.0), (0.0, -1.0), (2.0, 0.0)]
        .iter()
        .map(|&(mu, lv): &(f64, f64)| 1.0 + lv - mu * mu - lv.exp())
        .sum();
    let want_kl = -0.5 * kl_sum;
    // weighted BCE with y = 1: -9 ln(sigmoid(0.3))
    let want_bce = -9.0 * (1.0 / (1.0 + (-0.3f64).exp())).ln();
    assert!((get(l.reconstruction) - want_rec).abs() < 1e-5);
    assert!((get(l.kl) - want_kl).abs() < 1e-5);
    assert!((get(l.prediction) - want_bce).abs() < 1e-5);
}

/// Trains on a tiny set; returns the history and the trained model's L1 logits on the validation set.
fn train_history(seed: u64) -> (Vec<EpochMetrics>, Vec<f32>) {
    let device = Default::default();
    let train_set = tiny_set(64, 7);
    let validation = tiny_set(16, 8);
    let (model, history) = fit::<CpuTrain>(&config(seed), (16, 24), &train_set, &validation, &device, |_, _| {});
    let refs: Vec<&Example> = validation.iter().collect();
    let logits = model.valid().forward(&batch::<Cpu>(&refs, &device), false).impact_logit;
    (history, logits.into_data().to_vec::<f32>().unwrap())
}

#[test]
fn loss_falls_and_training_is_deterministic_under_a_seed() {
    let _turn = RNG_TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let (history, predictions) = train_history(11);
    let (first, last) = (&history[0], history.last().unwrap());
    assert!(last.train_reconstruction < 0.7 * first.train_reconstruction, "{first:?}\n{last:?}");
    assert!(last.validation_loss < first.validation_loss, "{first:?}\n{last:?}");
    assert!(last.reconstruction_jaccard > first.reconstruction_jaccard);
    let (again, predictions_again) = train_history(11);
    let losses = |h: &[EpochMetrics]| h.iter().map(|m| (m.train_loss, m.validation_loss)).collect::<Vec<_>>();
    assert_eq!(losses(&history), losses(&again));
    assert_eq!(predictions, predictions_again);
    let (other, _) = train_history(12);
    assert_ne!(losses(&history), losses(&other));
}

#[test]
fn a_checkpoint_round_trips() {
    let _turn = RNG_TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let device = Default::default();
    let model = small_model().init::<Cpu>(16, 24, &device);
    let bytes = checkpoint::to_bytes(&model).unwrap();
    let loaded = checkpoint::from_bytes::<Cpu>(&small_model(), (16, 24), bytes, &device).unwrap();
    let examples = tiny_set(6, 3);
    let refs: Vec<&Example> = examples.iter().collect();
    let b = batch::<Cpu>(&refs, &device);
    let (a, c) = (model.forward(&b, false), loaded.forward(&b, false));
    let values = |t: Tensor<Cpu, 3>| t.into_data().to_vec::<f32>().unwrap();
    assert_eq!(values(a.logits), values(c.logits));
    assert_eq!(a.impact_logit.into_data().to_vec::<f32>().unwrap(), c.impact_logit.into_data().to_vec::<f32>().unwrap());
}
