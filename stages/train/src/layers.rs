//! Building blocks of the model beyond burn's own layers: a stack of GRU layers, one or two
//! directions, that respects each sequence's length (the reverse direction reads each sequence from
//! its own last element, not from the padding), pooling over the non-padding positions, and a linear
//! layer applied to flattened rows ([`linear_rows`]).

use burn::module::Module;
use burn::nn::{Gru, GruConfig, Linear};
use burn::tensor::backend::Backend;
use burn::tensor::{Bool, Int, Tensor};

/// The second GRU of each layer of a two-way [`GruStack`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondDirection {
    /// One GRU per layer.
    None,
    /// A second GRU reads each sequence backward (a bidirectional encoder).
    Backward,
    /// A second GRU reads forward too, with its own weights and state: what a bidirectional GRU
    /// amounts to when it is stepped one code at a time, as the reference's decoder is.
    Forward,
}

/// The shape of a [`GruStack`].
#[derive(Debug, Clone, Copy)]
pub struct StackConfig {
    pub input: usize,
    pub hidden: usize,
    pub layers: usize,
    pub second: SecondDirection,
}

impl StackConfig {
    /// States per layer: 1 or 2.
    pub fn directions(&self) -> usize {
        if self.second == SecondDirection::None { 1 } else { 2 }
    }

    /// A stack of this shape on `device`.
    pub fn init<B: Backend>(&self, device: &B::Device) -> GruStack<B> {
        let width = |layer: usize| if layer == 0 { self.input } else { self.hidden * self.directions() };
        let make = |layer: usize| GruConfig::new(width(layer), self.hidden, true).init(device);
        GruStack {
            forward: (0..self.layers).map(make).collect(),
            second: if self.directions() == 2 { (0..self.layers).map(make).collect() } else { vec![] },
            second_reads_backward: self.second == SecondDirection::Backward,
        }
    }
}

/// GRU layers stacked, each reading the previous one's states (both directions concatenated).
#[derive(Module, Debug)]
pub struct GruStack<B: Backend> {
    forward: Vec<Gru<B>>,
    /// The second GRU of each layer; empty in a one-way stack.
    second: Vec<Gru<B>>,
    second_reads_backward: bool,
}

/// What a [`GruStack`] gives for a batch.
pub struct StackOutput<B: Backend> {
    /// The last layer's states at every position [batch, len, hidden x directions] (first
    /// direction first); positions past a sequence's length hold no meaning.
    pub states: Tensor<B, 3>,
    /// Each layer's and direction's state after reading the whole sequence (forward: at its last
    /// element; backward: at its first), in the order layer 1 first direction, layer 1 second
    /// direction, layer 2 first direction, ...; each [batch, hidden].
    pub finals: Vec<Tensor<B, 2>>,
}

impl<B: Backend> GruStack<B> {
    /// Number of states in [`StackOutput::finals`] and of initial states [`GruStack::forward`] takes.
    pub fn state_count(&self) -> usize {
        self.forward.len() + self.second.len()
    }

    /// Reads `input` [batch, len, input] whose rows hold `lengths` [batch] elements, then padding.
    /// `initial` holds one state per layer and direction (see [`StackOutput::finals`]), zeros when
    /// `None`.
    pub fn forward(
        &self,
        input: Tensor<B, 3>,
        lengths: Tensor<B, 1, Int>,
        initial: Option<Vec<Tensor<B, 2>>>,
    ) -> StackOutput<B> {
        let [batch, len, _] = input.dims();
        let reversal = reversal_index::<B>(lengths.clone(), len);
        let mut initial = initial.map(|states| states.into_iter());
        let mut next_initial = || initial.as_mut().and_then(|states| states.next());
        let mut x = input;
        let mut finals = vec![];
        for (layer, gru) in self.forward.iter().enumerate() {
            let forward = gru.forward(x.clone(), next_initial());
            finals.push(at_position(forward.clone(), lengths.clone().sub_scalar(1)));
            x = match self.second.get(layer) {
                Some(second) if self.second_reads_backward => {
                    let reversed = second.forward(permute_positions(x, reversal.clone()), next_initial());
                    finals.push(at_position(reversed.clone(), lengths.clone().sub_scalar(1)));
                    // The reversal is its own inverse: it puts each state back at its element.
                    Tensor::cat(vec![forward, permute_positions(reversed, reversal.clone())], 2)
                }
                Some(second) => {
                    let states = second.forward(x, next_initial());
                    finals.push(at_position(states.clone(), lengths.clone().sub_scalar(1)));
                    Tensor::cat(vec![forward, states], 2)
                }
                None => forward,
            };
        }
        debug_assert_eq!(x.dims()[0], batch);
        StackOutput { states: x, finals }
    }

    /// One step of a stack that reads forward only: `input` [batch, 1, input] from `states` (as
    /// [`StackOutput::finals`] orders them); the last layer's output [batch, 1, hidden x
    /// directions] and the new states.
    pub fn step(&self, input: Tensor<B, 3>, states: Vec<Tensor<B, 2>>) -> (Tensor<B, 3>, Vec<Tensor<B, 2>>) {
        debug_assert!(!self.second_reads_backward, "a stack reading backward cannot step");
        let mut states = states.into_iter();
        let mut x = input;
        let mut next = Vec::with_capacity(self.state_count());
        for (layer, gru) in self.forward.iter().enumerate() {
            let first = gru.forward(x.clone(), states.next());
            next.push(first.clone().squeeze_dim::<2>(1));
            x = match self.second.get(layer) {
                Some(second) => {
                    let other = second.forward(x, states.next());
                    next.push(other.clone().squeeze_dim::<2>(1));
                    Tensor::cat(vec![first, other], 2)
                }
                None => first,
            };
        }
        (x, next)
    }
}

/// For each row of `lengths` [batch] elements in sequences of `len` positions, the position that
/// reverses the row's elements in place: t -> length - 1 - t inside the row, padding unmoved.
fn reversal_index<B: Backend>(lengths: Tensor<B, 1, Int>, len: usize) -> Tensor<B, 2, Int> {
    let batch = lengths.dims()[0];
    let device = lengths.device();
    let positions = Tensor::<B, 1, Int>::arange(0..len as i64, &device).unsqueeze::<2>().repeat_dim(0, batch);
    let lengths = lengths.unsqueeze_dim::<2>(1).repeat_dim(1, len);
    let reversed = lengths.clone().sub(positions.clone()).sub_scalar(1);
    positions.clone().mask_where(positions.lower(lengths), reversed)
}

/// `x` [batch, len, width] with its positions taken in the order of `index` [batch, len].
fn permute_positions<B: Backend>(x: Tensor<B, 3>, index: Tensor<B, 2, Int>) -> Tensor<B, 3> {
    let width = x.dims()[2];
    x.gather(1, index.unsqueeze_dim::<3>(2).repeat_dim(2, width))
}

/// Row i of `x` [batch, len, width] at position `position[i]`: [batch, width].
fn at_position<B: Backend>(x: Tensor<B, 3>, position: Tensor<B, 1, Int>) -> Tensor<B, 2> {
    let width = x.dims()[2];
    let index = position.clamp_min(0).unsqueeze_dim::<2>(1).unsqueeze_dim::<3>(2).repeat_dim(2, width);
    x.gather(1, index).squeeze_dim::<2>(1)
}

/// `linear` applied to each row of `x` [batch, len, input]: [batch, len, output]. The rows are
/// flattened to one matrix first because burn's weight gradient of a linear layer on a 3-d input
/// multiplies per batch row ([batch, input, output], summed afterwards): for the decoder's output
/// layer that is a vocabulary-wide matrix per patent and step, which made training memory-bound.
pub fn linear_rows<B: Backend>(linear: &Linear<B>, x: Tensor<B, 3>) -> Tensor<B, 3> {
    let [batch, len, input] = x.dims();
    let out = linear.forward(x.reshape([batch * len, input]));
    let output = out.dims()[1];
    out.reshape([batch, len, output])
}

/// Mean of `x` [batch, len, width] over the positions where `keep` [batch, len] is true.
pub fn masked_mean<B: Backend>(x: Tensor<B, 3>, keep: Tensor<B, 2, Bool>) -> Tensor<B, 2> {
    let weights = keep.float().unsqueeze_dim::<3>(2);
    let counts = weights.clone().sum_dim(1).clamp_min(1.0);
    (x * weights).sum_dim(1).div(counts).squeeze_dim(1)
}

/// Maximum of `x` [batch, len, width] over the positions where `keep` [batch, len] is true (0 for
/// a row with none).
pub fn masked_max<B: Backend>(x: Tensor<B, 3>, keep: Tensor<B, 2, Bool>) -> Tensor<B, 2> {
    let width = x.dims()[2];
    let any = keep.clone().int().sum_dim(1).greater_elem(0).float();
    let drop = keep.bool_not().unsqueeze_dim::<3>(2).repeat_dim(2, width);
    x.mask_fill(drop, f32::MIN).max_dim(1).squeeze_dim::<2>(1) * any
}
