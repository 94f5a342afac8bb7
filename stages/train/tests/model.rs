//! The model on the CPU backend (burn-ndarray): output shapes, the loss terms against hand
//! computation, the loss falling on a tiny generated set, checkpoint round trip, and determinism
//! under a seed; the paper's options: its parameter count against a hand count, lengths respected
//! by the two-way encoder, stepped and parallel decoding agreeing, the predictor untouched while
//! pretraining, the global gradient norm clipped, the KL schedules and class weights by hand, and a
//! linear layer on flattened rows (the decoder's output layer) equal to burn's on 3-d input. The
//! backend's random generator is process-wide, so the tests that draw from it take turns.

use std::sync::Mutex;

use burn::backend::{Autodiff, NdArray};
use burn::module::AutodiffModule;
use burn::tensor::{Tensor, TensorData};
use train::fit::{EpochMetrics, Example, TrainConfig, batch};
use train::model::{ClassWeights, ModelConfig, Output, Pooling, Positions, Summary};
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
    let l = model.losses(&b, &out, ClassWeights { l1: 9.0, l2: 1.0 });
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
    // one example: its summed cross-entropy is twice the mean over its two targets
    assert!((get(l.reconstruction_per_example) - 2.0 * want_rec).abs() < 1e-5);
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

/// The toy model in the paper's shape: two layers, a two-way encoder read both ways summarised by
/// its final states, a two-way decoder with its own embedding, sinusoidal positions, max pooling,
/// two predictor layers, latent maps without bias (no dropout, so outputs are deterministic).
fn paper_shaped() -> ModelConfig {
    ModelConfig {
        cpc_layers: 2,
        bidirectional: true,
        two_way_decoder: true,
        cpc_summary: Summary::FinalState,
        text_pooling: Pooling::Max,
        text_positions: Positions::Sinusoidal,
        separate_decoder_embedding: true,
        predictor_layers: 2,
        latent_bias: false,
        ..toy::model_config()
    }
}

#[test]
fn the_paper_config_has_the_hand_counted_parameters() {
    let _turn = RNG_TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let config = train::run::RunConfig::resolve("paper").unwrap().training.model;
    // Hand count, layer by layer (PyTorch's and burn's layers hold the same parameters): a GRU of
    // input d and hidden h has 3 gates of (d h + h) + (h h + h).
    let gru = |d: usize, h: usize| 3 * (d * h + h + h * h + h);
    let linear = |i: usize, o: usize, bias: bool| i * o + if bias { o } else { 0 };
    let (embedding, hidden, latent, text) = (128, 32, 32, 32);
    let two_layers_two_ways = 2 * gru(embedding, hidden) + 2 * gru(2 * hidden, hidden);
    let transformer_layer =
        4 * linear(text, text, true) + linear(text, 16, true) + linear(16, text, true) + 2 * 2 * text;
    let joint = text + 2 * 2 * hidden;
    let fixed = 2 * two_layers_two_ways // encoder and decoder
        + 1_000 * text // claim-token embedding; sinusoidal positions have no parameters
        + 2 * transformer_layer
        + 2 * linear(joint, latent, false) // mean and log-variance
        + linear(latent, 2 * 2 * hidden, true) // z to the decoder's four initial states
        + linear(latent, 8, true) + linear(8, 8, true) + linear(8, 1, true); // predictor
    let per_code = 2 * embedding + linear(2 * hidden, 1, true); // two code embeddings, the output layer
    assert_eq!(fixed, 157_497);
    assert_eq!(per_code, 321);
    let device = Default::default();
    for codes in [4_180, 500] {
        let model = config.init::<Cpu>(codes, 1_000, &device);
        assert_eq!(burn::module::Module::num_params(&model), fixed + per_code * codes, "{codes} codes");
    }
    // At the reference's "about 1.5 M" the vocabulary is about 4,180 main groups: 1,499,277.
    assert_eq!(fixed + per_code * 4_180, 1_499_277);
    // Shapes: a batch through the paper's model.
    let model = config.init::<Cpu>(60, 1_000, &device);
    let examples = toy::examples(5, 1);
    let refs: Vec<&Example> = examples.iter().collect();
    let b = batch::<Cpu>(&refs, &device);
    let [n, len] = b.cpc.dims();
    let out = model.forward(&b, false);
    assert_eq!((out.mu.dims(), out.logits.dims(), out.impact_logit.dims()), ([5, 32], [n, len - 1, 60], [5]));
}

#[test]
fn the_two_way_encoder_reads_each_sequence_within_its_length() {
    let _turn = RNG_TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let device = Default::default();
    let model = paper_shaped().init::<Cpu>(16, 24, &device);
    let short = Example { codes: vec![1, 5, 6, 2], text: vec![7, 8], l1: false };
    let long = Example { codes: vec![1, 4, 5, 6, 7, 8, 9, 10, 2], text: vec![7, 8, 9, 10, 11, 12], l1: true };
    let alone = model.forward(&batch::<Cpu>(&[&short], &device), false).mu;
    let padded = model.forward(&batch::<Cpu>(&[&short, &long], &device), false).mu.slice(0..1);
    let values = |t: Tensor<Cpu, 2>| t.into_data().to_vec::<f32>().unwrap();
    let (alone, padded) = (values(alone), values(padded));
    for (a, p) in alone.iter().zip(&padded) {
        assert!((a - p).abs() < 1e-5, "padding changed the encoding: {alone:?} vs {padded:?}");
    }
    // and the order of the codes matters to it (it is not a bag of codes)
    let reordered = Example { codes: vec![1, 6, 5, 2], ..short.clone() };
    let other = values(model.forward(&batch::<Cpu>(&[&reordered], &device), false).mu);
    assert!(alone.iter().zip(&other).any(|(a, o)| (a - o).abs() > 1e-4));
}

#[test]
fn stepped_decoding_scores_what_the_parallel_decoder_scores_in_the_papers_shape() {
    let _turn = RNG_TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    // The beam search steps the decoder one code at a time; sequence_log_probs runs it over whole
    // sequences. For every sequence of at most 2 codes, the beam's best equals the brute-force best.
    let device = Default::default();
    let model = paper_shaped().init::<Cpu>(toy::CODE_VOCABULARY, toy::TEXT_VOCABULARY, &device);
    let points = toy::examples(2, 9);
    let refs: Vec<&Example> = points.iter().collect();
    let z = model.forward(&batch::<Cpu>(&refs, &device), false).mu;
    let sequences = all_sequences(2);
    let beams = model.decode_beam(z.clone(), 2_000, 2);
    for (i, beam) in beams.iter().enumerate() {
        let examples: Vec<Example> = sequences
            .iter()
            .map(|s| Example { codes: [vec![1], s.clone(), vec![2]].concat(), text: vec![], l1: false })
            .collect();
        let refs: Vec<&Example> = examples.iter().collect();
        let zi = z.clone().slice(i..i + 1).repeat_dim(0, sequences.len());
        let scores: Vec<f32> =
            model.sequence_log_probs(zi, batch::<Cpu>(&refs, &device).cpc).into_data().to_vec().unwrap();
        let best = scores.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0;
        assert_eq!(beam, &sequences[best], "point {i}");
    }
}

#[test]
fn pretraining_leaves_the_predictor_untouched_then_trains_it() {
    let _turn = RNG_TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let device = Default::default();
    let mut config = toy::train_config(3, 4);
    config.model = paper_shaped();
    config.pretrain_epochs = 2;
    config.optimizer = train::optim::OptimizerKind::AdamW;
    config.weight_decay = 0.5; // large, so that decay alone would move the predictor visibly
    config.teacher_forcing = 0.5;
    let z = Tensor::<Cpu, 2>::from_data(
        TensorData::new((0..16).map(|i| i as f32 / 8.0 - 1.0).collect::<Vec<_>>(), [2, 8]),
        &device,
    );
    <Cpu as burn::tensor::backend::Backend>::seed(&device, config.seed);
    let initial: Vec<f32> = config.model.init::<Cpu>(16, 24, &device).predict(z.clone()).into_data().to_vec().unwrap();
    let mut seen: Vec<Vec<f32>> = vec![];
    let mut encoder_moved = vec![];
    let probe = toy::examples(4, 2);
    fit::<CpuTrain>(&config, (16, 24), &toy::examples(48, 7), &toy::examples(8, 8), &device, |_, model| {
        let model = model.valid();
        seen.push(model.predict(z.clone()).into_data().to_vec().unwrap());
        let refs: Vec<&Example> = probe.iter().collect();
        encoder_moved.push(model.forward(&batch::<Cpu>(&refs, &device), false).mu.into_data().to_vec::<f32>().unwrap());
    });
    assert_eq!(seen.len(), 4);
    assert_eq!(seen[1], seen[0], "epoch 2 (pretraining, AdamW's decay at 0.5): the predictor did not move");
    assert_eq!(seen[0], initial, "epoch 1: the predictor is as initialised");
    assert_ne!(seen[2], seen[1], "epoch 3 trains it");
    assert_ne!(encoder_moved[0], encoder_moved[1], "the encoder trains while the predictor is frozen");
}

/// Every gradient entry of `model`'s parameters in `grads`, in the module's order.
fn gradient_entries(grads: &burn::optim::GradientsParams, model: &train::model::Model<CpuTrain>) -> Vec<f64> {
    struct Entries<'a> {
        grads: &'a burn::optim::GradientsParams,
        values: Vec<f64>,
    }
    impl burn::module::ModuleVisitor<CpuTrain> for Entries<'_> {
        fn visit_float<const D: usize>(&mut self, param: &burn::module::Param<Tensor<CpuTrain, D>>) {
            if let Some(grad) = self.grads.get::<Cpu, D>(param.id) {
                self.values.extend(grad.into_data().to_vec::<f32>().unwrap().into_iter().map(f64::from));
            }
        }
    }
    let mut entries = Entries { grads, values: vec![] };
    burn::module::Module::visit(model, &mut entries);
    entries.values
}

#[test]
fn clipping_bounds_the_global_gradient_norm_and_keeps_its_direction() {
    let _turn = RNG_TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let device = Default::default();
    let model = toy::model_config().init::<CpuTrain>(16, 24, &device);
    let examples = toy::examples(8, 5);
    let refs: Vec<&Example> = examples.iter().collect();
    let b = batch::<CpuTrain>(&refs, &device);
    let grads = || {
        let out = model.forward(&b, false);
        let losses = model.losses(&b, &out, ClassWeights::EQUAL);
        let weights =
            train::model::LossWeights { reconstruction: 1.0, summed_reconstruction: false, beta: 0.1, prediction: 1.0 };
        train::optim::without(&mut losses.total(&weights).backward(), &model, &[])
    };
    let unclipped = grads();
    let entries = gradient_entries(&unclipped, &model);
    assert!(entries.len() > 1_000, "{} entries", entries.len());
    let by_hand = entries.iter().map(|v| v * v).sum::<f64>().sqrt();
    let norm = train::optim::global_norm::<CpuTrain, _>(&unclipped, &model);
    assert!((norm - by_hand).abs() < 1e-4 * by_hand, "{norm} vs {by_hand}");

    let max = by_hand / 10.0;
    let mut clipped = grads();
    train::optim::clip_global_norm::<CpuTrain, _>(&mut clipped, &model, max);
    let after = gradient_entries(&clipped, &model);
    let after_norm = after.iter().map(|v| v * v).sum::<f64>().sqrt();
    assert!(after_norm <= max * (1.0 + 1e-5) && after_norm > max * 0.999, "{after_norm} vs {max}");
    // every entry scaled by the same factor, max / (norm + 1e-6)
    let factor = max / (norm + 1e-6);
    for (x, y) in entries.iter().zip(&after) {
        assert!((y - x * factor).abs() < 1e-6 + 1e-5 * x.abs(), "{x} -> {y}");
    }
    // a bound above the norm changes nothing
    let mut loose = grads();
    train::optim::clip_global_norm::<CpuTrain, _>(&mut loose, &model, by_hand * 2.0);
    assert_eq!(gradient_entries(&loose, &model), entries);
}

#[test]
fn kl_schedules_and_class_weights_by_hand() {
    let mut config = toy::train_config(1, 1);
    config.beta = 0.5;
    config.kl_anneal_steps = 100;
    // linear: 0, half way, flat after the anneal steps
    assert_eq!(
        [config.kl_weight(0), config.kl_weight(50), config.kl_weight(100), config.kl_weight(400)],
        [0.0, 0.25, 0.5, 0.5]
    );
    config.kl_schedule = train::fit::KlSchedule::Logistic;
    config.beta = 1.0;
    config.kl_anneal_steps = 2_500;
    // the reference's 1 / (1 + exp(-0.0025 (step - 2500))): 1/(1 + e^6.25) at 0, 1/2 at 2,500
    assert!((config.kl_weight(0) - 1.0 / (1.0 + 6.25f64.exp())).abs() < 1e-12);
    assert!((config.kl_weight(0) - 0.001_926).abs() < 1e-6);
    assert_eq!(config.kl_weight(2_500), 0.5);
    // class weights of 90 L2 and 10 L1 training examples
    let examples: Vec<Example> = (0..100).map(|i| Example { codes: vec![1, 4, 2], text: vec![], l1: i < 10 }).collect();
    assert_eq!(config.class_weights(&examples), ClassWeights { l1: 9.0, l2: 1.0 });
    config.class_weights = train::fit::ClassWeighting::Normalised;
    // the reference's [n_L1, 0.9 n_L2] / sum = [10, 81] / 91
    let w = config.class_weights(&examples);
    assert!((w.l1 - 81.0 / 91.0).abs() < 1e-12 && (w.l2 - 10.0 / 91.0).abs() < 1e-12, "{w:?}");
    // pretraining epochs have no prediction loss
    config.pretrain_epochs = 2;
    assert_eq!(config.loss_weights(2, 0.1).prediction, 0.0);
    assert_eq!(config.loss_weights(3, 0.1).prediction, config.lambda);
}

#[test]
fn a_linear_layer_on_flattened_rows_gives_its_outputs_and_gradients() {
    use burn::nn::LinearConfig;
    let device = Default::default();
    let layer = LinearConfig::new(3, 5).init::<CpuTrain>(&device);
    let values: Vec<f32> = (0..2 * 4 * 3).map(|i| ((i * 7 % 11) as f32 - 5.0) / 4.0).collect();
    let x = Tensor::<CpuTrain, 3>::from_data(TensorData::new(values, [2, 4, 3]), &device);
    // a loss that weighs every output differently, so each gradient entry is checked
    let weights = Tensor::<CpuTrain, 3>::from_data(
        TensorData::new((0..2 * 4 * 5).map(|i| i as f32 / 10.0).collect::<Vec<_>>(), [2, 4, 5]),
        &device,
    );
    let run = |out: Tensor<CpuTrain, 3>| {
        let grads = (out.clone() * weights.clone()).sum().backward();
        let of = |t: Tensor<Cpu, 2>| t.into_data().to_vec::<f32>().unwrap();
        let weight = of(layer.weight.val().grad(&grads).unwrap());
        let bias = layer.bias.as_ref().unwrap().val().grad(&grads).unwrap().into_data().to_vec::<f32>().unwrap();
        (out.inner().into_data().to_vec::<f32>().unwrap(), weight, bias)
    };
    let direct = run(layer.forward(x.clone()));
    let flattened = run(train::layers::linear_rows(&layer, x));
    for (a, b) in [(&direct.0, &flattened.0), (&direct.1, &flattened.1), (&direct.2, &flattened.2)] {
        assert_eq!(a.len(), b.len());
        for (a, b) in a.iter().zip(b) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
    }
}
