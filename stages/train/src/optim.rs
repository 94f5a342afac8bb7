//! What happens to the gradients between the backward pass and the optimizer: PyTorch-style
//! clipping of the global gradient norm (burn's own clipping scales each parameter's gradient by
//! that parameter's norm alone), and leaving parameters out so that the optimizer does not touch
//! them (a frozen predictor: neither its gradient step nor weight decay moves it).

use burn::module::{AutodiffModule, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::{ElementConversion, Tensor};
use serde::{Deserialize, Serialize};

/// The optimizer of a training run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    /// Adam (the default).
    #[default]
    Adam,
    /// AdamW: Adam with decoupled weight decay (the reference's).
    AdamW,
}

/// The gradients of `module` that `grads` holds, less those of the parameters in `frozen`.
pub fn without<B: AutodiffBackend, M: AutodiffModule<B>>(
    grads: &mut B::Gradients,
    module: &M,
    frozen: &[ParamId],
) -> GradientsParams {
    let keep: Vec<ParamId> =
        burn::module::list_param_ids(module).into_iter().filter(|id| !frozen.contains(id)).collect();
    GradientsParams::from_params(grads, module, &keep)
}

/// Scales the gradients in `grads` of `module`'s parameters so that their global L2 norm (over all
/// of them as one vector) is at most `max_norm`, as `torch.nn.utils.clip_grad_norm_` does
/// (coefficient max_norm / (norm + 1e-6), capped at 1). Returns the norm before clipping.
pub fn clip_global_norm<B: AutodiffBackend, M: AutodiffModule<B>>(
    grads: &mut GradientsParams,
    module: &M,
    max_norm: f64,
) -> f64 {
    let norm = global_norm::<B, M>(grads, module);
    let coefficient = max_norm / (norm + 1e-6);
    if coefficient < 1.0 {
        module.visit(&mut Scale::<B> { grads, factor: coefficient, backend: std::marker::PhantomData });
    }
    norm
}

/// The global L2 norm of `module`'s gradients in `grads`.
pub fn global_norm<B: AutodiffBackend, M: AutodiffModule<B>>(grads: &GradientsParams, module: &M) -> f64 {
    let mut squares = SquaredNorm::<B> { grads, sum: None };
    module.visit(&mut squares);
    squares.sum.map_or(0.0, |s| s.into_scalar().elem::<f64>().sqrt())
}

/// Sums the squares of every gradient, as one tensor (one read at the end, not one per parameter).
struct SquaredNorm<'a, B: AutodiffBackend> {
    grads: &'a GradientsParams,
    sum: Option<Tensor<B::InnerBackend, 1>>,
}

impl<B: AutodiffBackend> ModuleVisitor<B> for SquaredNorm<'_, B> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        if let Some(grad) = self.grads.get::<B::InnerBackend, D>(param.id) {
            let square = grad.square().sum();
            self.sum = Some(match self.sum.take() {
                Some(sum) => sum + square,
                None => square,
            });
        }
    }
}

/// Multiplies every gradient by `factor`.
struct Scale<'a, B: AutodiffBackend> {
    grads: &'a mut GradientsParams,
    factor: f64,
    backend: std::marker::PhantomData<B>,
}

impl<B: AutodiffBackend> ModuleVisitor<B> for Scale<'_, B> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        if let Some(grad) = self.grads.remove::<B::InnerBackend, D>(param.id) {
            self.grads.register::<B::InnerBackend, D>(param.id, grad.mul_scalar(self.factor));
        }
    }
}
