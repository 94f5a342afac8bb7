//! burn-tch on the CPU computes what burn-ndarray computes: the same model, weights and batch give
//! the same forward outputs, loss terms and gradients, and Adam steps from the same weights stay
//! together. Built only with the `gpu` feature and libtorch (`tests/gpu/setup.sh` builds and runs
//! these tests). Values are compared as |a - b| / (1 + |a|), float32 throughout.

use burn::backend::libtorch::LibTorchDevice;
use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{ElementConversion, Tensor};
use train::backend::{NdArrayCpu, Tch};
use train::fit::{Example, batch};
use train::model::{ClassWeights, LossWeights, Model};
use train::{checkpoint, toy};

/// Forward outputs and loss terms: a few float32 roundings apart.
const FORWARD: f64 = 1e-5;
/// Gradients: summed over the batch through the GRUs' time steps, so a little looser.
const GRADIENTS: f64 = 1e-4;
/// Weights after Adam's steps: each step moves a weight by about the learning rate (0.01) times
/// the ratio of gradient moments, which float32 noise in small gradients can shift.
const AFTER_STEPS: f64 = 1e-3;

/// Every float parameter of a model, flattened, in the module's field order.
struct Values(Vec<Vec<f32>>);

impl<B: Backend> ModuleVisitor<B> for Values {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        self.0.push(flat(param.val()));
    }
}

/// The gradient of every float parameter of a model, flattened, in the module's field order.
struct Gradients<'a>(&'a GradientsParams, Vec<Vec<f32>>);

impl<B: AutodiffBackend> ModuleVisitor<B> for Gradients<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        let grad = self.0.get::<B::InnerBackend, D>(param.id).expect("every parameter has a gradient");
        self.1.push(flat(grad));
    }
}

fn flat<B: Backend, const D: usize>(t: Tensor<B, D>) -> Vec<f32> {
    t.into_data().convert::<f32>().to_vec().expect("float data")
}

fn weights<B: Backend>(model: &Model<B>) -> Vec<Vec<f32>> {
    let mut values = Values(vec![]);
    model.visit(&mut values);
    values.0
}

/// The largest |a - b| / (1 + |a|) over two equally shaped lists of arrays.
fn max_difference(a: &[Vec<f32>], b: &[Vec<f32>]) -> f64 {
    assert_eq!(a.len(), b.len(), "different numbers of arrays");
    let mut worst = 0.0f64;
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x.len(), y.len(), "arrays of different sizes");
        for (&p, &q) in x.iter().zip(y) {
            assert!(p.is_finite() && q.is_finite(), "a value is not finite: {p} vs {q}");
            worst = worst.max((p as f64 - q as f64).abs() / (1.0 + (p as f64).abs()));
        }
    }
    worst
}

/// The toy model (no dropout) initialised on ndarray, and the same weights on tch.
fn twin_models() -> (Model<NdArrayCpu>, Model<Tch>) {
    let sizes = (toy::CODE_VOCABULARY, toy::TEXT_VOCABULARY);
    let ndarray: Model<NdArrayCpu> = toy::model_config().init(sizes.0, sizes.1, &Default::default());
    let bytes = checkpoint::to_bytes(&ndarray).unwrap();
    let tch = checkpoint::from_bytes::<Tch>(&toy::model_config(), sizes, bytes, &LibTorchDevice::Cpu).unwrap();
    assert_eq!(max_difference(&weights(&ndarray), &weights(&tch)), 0.0, "the weights moved across");
    (ndarray, tch)
}

/// What one deterministic pass (z = mu) gives: outputs, loss terms, gradients of the joint loss.
struct Pass {
    outputs: Vec<Vec<f32>>,
    losses: Vec<Vec<f32>>,
    gradients: Vec<Vec<f32>>,
}

fn pass<B: AutodiffBackend>(model: &Model<B>, examples: &[Example], device: &B::Device) -> Pass {
    let refs: Vec<&Example> = examples.iter().collect();
    let b = batch::<B>(&refs, device);
    let out = model.forward(&b, false);
    let losses = model.losses(&b, &out, ClassWeights { l1: 3.0, l2: 1.0 });
    let total =
        losses.total(&LossWeights { reconstruction: 1.0, summed_reconstruction: false, beta: 0.5, prediction: 1.0 });
    let grads = GradientsParams::from_grads(total.backward(), model);
    let mut gradients = Gradients(&grads, vec![]);
    model.visit(&mut gradients);
    Pass {
        outputs: vec![flat(out.mu), flat(out.log_var), flat(out.logits), flat(out.impact_logit)],
        losses: vec![flat(losses.reconstruction), flat(losses.kl), flat(losses.prediction)],
        gradients: gradients.1,
    }
}

#[test]
fn forward_outputs_losses_and_gradients_agree() {
    let (ndarray, tch) = twin_models();
    let examples = toy::examples(24, 3);
    let a = pass(&ndarray, &examples, &Default::default());
    let b = pass(&tch, &examples, &LibTorchDevice::Cpu);
    let (outputs, losses, gradients) = (
        max_difference(&a.outputs, &b.outputs),
        max_difference(&a.losses, &b.losses),
        max_difference(&a.gradients, &b.gradients),
    );
    eprintln!("largest differences: outputs {outputs:.1e}, losses {losses:.1e}, gradients {gradients:.1e}");
    assert!(outputs <= FORWARD, "outputs differ by {outputs:e}");
    assert!(losses <= FORWARD, "loss terms differ by {losses:e}");
    assert!(gradients <= GRADIENTS, "gradients differ by {gradients:e}");
    // Not vacuous: the gradients are not all zero.
    assert!(a.gradients.iter().flatten().any(|g| g.abs() > 1e-3));
}

/// The weights after `steps` Adam steps over `examples` in batches of 8 with the toy config. The
/// steps are `fit`'s but for the latent sample: z = mu, since each backend draws its own random
/// numbers.
fn after_steps<B: AutodiffBackend>(
    mut model: Model<B>,
    examples: &[Example],
    steps: usize,
    device: &B::Device,
) -> Model<B> {
    let config = toy::train_config(1, 1);
    let mut optimizer = AdamConfig::new().init();
    for chunk in examples.chunks(8).cycle().take(steps) {
        let refs: Vec<&Example> = chunk.iter().collect();
        let b = batch::<B>(&refs, device);
        let out = model.forward(&b, false);
        let loss = model
            .losses(&b, &out, ClassWeights { l1: 3.0, l2: 1.0 })
            .total(&config.loss_weights(usize::MAX, config.beta));
        assert!(loss.clone().into_scalar().elem::<f64>().is_finite());
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optimizer.step(config.learning_rate, model, grads);
    }
    model
}

#[test]
fn adam_steps_from_the_same_weights_stay_together() {
    let (ndarray, tch) = twin_models();
    let before = weights(&ndarray);
    let examples = toy::examples(40, 5);
    let a = weights(&after_steps(ndarray, &examples, 10, &Default::default()));
    let b = weights(&after_steps(tch, &examples, 10, &LibTorchDevice::Cpu));
    let moved = max_difference(&before, &a);
    let apart = max_difference(&a, &b);
    eprintln!("after 10 steps: weights moved up to {moved:.1e}, backends apart by {apart:.1e}");
    assert!(moved > 10.0 * AFTER_STEPS, "the steps hardly moved the weights ({moved:e}): the check would be vacuous");
    assert!(apart <= AFTER_STEPS, "weights differ by {apart:e} after 10 steps");
}
