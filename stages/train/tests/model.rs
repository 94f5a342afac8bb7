//! The model on the CPU backend (burn-ndarray): output shapes, the loss terms against hand
//! computation, the loss falling on a tiny generated set, checkpoint round trip, and determinism
//! under a seed. The backend's random generator is process-wide, so the tests that draw from it
//! take turns.

use std::sync::Mutex;

use burn::backend::{Autodiff, NdArray};
use burn::module::AutodiffModule;
use burn::tensor::{Tensor, TensorData};
use train::fit::{EpochMetrics, Example, TrainConfig, batch};
use train::model::Output;
use train::{checkpoint, fit, toy};

type Cpu = NdArray<f32>;
type CpuTrain = Autodiff<Cpu>;

static RNG_TURN: Mutex<()> = Mutex::new(());

fn config(seed: u64) -> TrainConfig {
    toy::train_config(seed, 12)
}

#[test]
fn outputs_have_the_documented_shapes() {
    let _turn = RNG_TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let device = Default::default();
    let model = toy::model_config().init::<Cpu>(16, 24, &device);
    let examples = toy::examples(5, 1);
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
    let model = toy::model_config().init::<Cpu>(5, 6, &device);
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
    let train_set = toy::examples(64, 7);
    let validation = toy::examples(16, 8);
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
    let model = toy::model_config().init::<Cpu>(16, 24, &device);
    let bytes = checkpoint::to_bytes(&model).unwrap();
    let loaded = checkpoint::from_bytes::<Cpu>(&toy::model_config(), (16, 24), bytes, &device).unwrap();
    let examples = toy::examples(6, 3);
    let refs: Vec<&Example> = examples.iter().collect();
    let b = batch::<Cpu>(&refs, &device);
    let (a, c) = (model.forward(&b, false), loaded.forward(&b, false));
    let values = |t: Tensor<Cpu, 3>| t.into_data().to_vec::<f32>().unwrap();
    assert_eq!(values(a.logits), values(c.logits));
    assert_eq!(
        a.impact_logit.into_data().to_vec::<f32>().unwrap(),
        c.impact_logit.into_data().to_vec::<f32>().unwrap()
    );
}

/// Every code sequence without repeats of at most `max_len` codes out of the toy codes, as BOS,
/// codes, EOS.
fn all_sequences(max_len: usize) -> Vec<Vec<usize>> {
    let mut out = vec![vec![]];
    let mut frontier: Vec<Vec<usize>> = vec![vec![]];
    for _ in 0..max_len {
        let mut next = vec![];
        for s in &frontier {
            for code in 4..toy::CODE_VOCABULARY {
                if !s.contains(&code) {
                    let mut longer = s.clone();
                    longer.push(code);
                    next.push(longer);
                }
            }
        }
        out.extend(next.iter().cloned());
        frontier = next;
    }
    out
}

#[test]
fn wide_beam_search_finds_the_brute_force_best_code_set() {
    let _turn = RNG_TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let device = Default::default();
    let mut short = config(5);
    short.epochs = 4;
    let (model, _) = fit::<CpuTrain>(
        &short,
        (toy::CODE_VOCABULARY, toy::TEXT_VOCABULARY),
        &toy::examples(64, 7),
        &toy::examples(8, 8),
        &device,
        |_, _| {},
    );
    let model = model.valid();
    let points = toy::examples(3, 9);
    let refs: Vec<&Example> = points.iter().collect();
    let z = model.forward(&batch::<Cpu>(&refs, &device), false).mu;
    let max_len = 3;
    let sequences = all_sequences(max_len);
    assert_eq!(sequences.len(), 1 + 12 + 12 * 11 + 12 * 11 * 10);
    let beams = model.decode_beam(z.clone(), 2_000, max_len);
    assert!(beams.iter().any(|b| b.len() >= 2), "the trained decoder prefers real code sets: {beams:?}");
    for (i, beam) in beams.iter().enumerate() {
        // Score every sequence by teacher forcing, one batch per point.
        let examples: Vec<Example> = sequences
            .iter()
            .map(|s| Example { codes: [vec![1], s.clone(), vec![2]].concat(), text: vec![], l1: false })
            .collect();
        let refs: Vec<&Example> = examples.iter().collect();
        let b = batch::<Cpu>(&refs, &device);
        let zi = z.clone().slice(i..i + 1).repeat_dim(0, sequences.len());
        let scores: Vec<f32> = model.sequence_log_probs(zi, b.cpc).into_data().to_vec().unwrap();
        let best = scores.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0;
        assert_eq!(beam, &sequences[best], "point {i}: beam {beam:?}, brute force {:?}", sequences[best]);
    }
    // A narrow beam still returns valid code sets: no repeats, no special tokens, at most max_len.
    for beam in model.decode_beam(z, 2, max_len) {
        let unique: std::collections::BTreeSet<_> = beam.iter().collect();
        assert!(beam.len() <= max_len && unique.len() == beam.len() && beam.iter().all(|&c| c >= 4), "{beam:?}");
    }
}

#[test]
fn word_dropout_replaces_only_codes_by_unknown() {
    let _turn = RNG_TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let device = Default::default();
    let examples = toy::examples(6, 3);
    let refs: Vec<&Example> = examples.iter().collect();
    let ids = |t: Tensor<Cpu, 2, burn::tensor::Int>| t.into_data().convert::<i64>().to_vec::<i64>().unwrap();
    assert!(batch::<Cpu>(&refs, &device).with_word_dropout(0.0).decoder_inputs.is_none());
    let all = batch::<Cpu>(&refs, &device).with_word_dropout(1.0);
    let [n, len] = all.cpc.dims();
    let cpc = ids(all.cpc.clone());
    let inputs = ids(all.decoder_inputs.clone().unwrap());
    assert_eq!(inputs.len(), n * (len - 1));
    for row in 0..n {
        for step in 0..len - 1 {
            let (original, input) = (cpc[row * len + step], inputs[row * (len - 1) + step]);
            let want = if original >= train::vocab::SPECIAL.len() as i64 { train::vocab::UNK as i64 } else { original };
            assert_eq!(input, want, "row {row} step {step}");
        }
    }
    // At p = 0.5 about half of the codes are dropped.
    let examples = toy::examples(400, 4);
    let refs: Vec<&Example> = examples.iter().collect();
    let half = batch::<Cpu>(&refs, &device).with_word_dropout(0.5);
    let dropped = ids(half.decoder_inputs.unwrap()).iter().filter(|&&id| id == train::vocab::UNK as i64).count();
    let codes = examples.iter().map(|e| e.codes.len() - 2).sum::<usize>();
    assert!((dropped as f64 / codes as f64 - 0.5).abs() < 0.06, "{dropped} of {codes}");
}
