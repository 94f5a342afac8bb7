"""The train stage's model in PyTorch (eager), for the backend benchmark (benches/backends.rs).

The same layers, sizes, losses and optimizer as stages/train/src/model.rs and fit.rs: a GRU over the
embedded CPC codes and a Transformer encoder (post-norm, GELU, learned positions) over the claim
tokens, each mean-pooled over non-padding positions, a Gaussian latent, a GRU decoder started from
tanh(W z) with teacher forcing, an MLP predictor; loss = reconstruction cross-entropy + beta x KL +
lambda x positively weighted binary cross-entropy; Adam. It reads the examples and settings the Rust
benchmark wrote (JSON), trains `warmup` + `steps` batches in the benchmark's order, and prints one
JSON line: samples per second over the timed steps, and the loss.

    python pytorch_reference.py BENCH.json [--unrolled-gru]

`--unrolled-gru` runs both GRUs one time step at a time (`nn.GRUCell` in a Python loop, the same
weights and arithmetic) instead of `nn.GRU`'s fused sequence kernel, as burn's GRU does: the
difference between the two runs is what the fused kernel is worth.
"""

import json
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F

PAD = 0


class UnrolledGRU(nn.Module):
    """A single-layer batch-first GRU stepped one time step at a time through nn.GRUCell."""

    def __init__(self, inputs, hidden):
        super().__init__()
        self.cell = nn.GRUCell(inputs, hidden)

    def forward(self, x, state=None):
        h = state[0] if state is not None else x.new_zeros(x.shape[0], self.cell.hidden_size)
        states = []
        for t in range(x.shape[1]):
            h = self.cell(x[:, t], h)
            states.append(h)
        return torch.stack(states, 1), h.unsqueeze(0)


class Model(nn.Module):
    def __init__(self, m, cpc_vocab, text_vocab, unrolled_gru):
        super().__init__()
        gru = UnrolledGRU if unrolled_gru else lambda i, h: nn.GRU(i, h, batch_first=True)
        self.cpc_embedding = nn.Embedding(cpc_vocab, m["cpc_embedding"])
        self.cpc_encoder = gru(m["cpc_embedding"], m["cpc_hidden"])
        self.text_embedding = nn.Embedding(text_vocab, m["text_model"])
        self.text_position = nn.Embedding(m["max_text_len"], m["text_model"])
        layer = nn.TransformerEncoderLayer(
            m["text_model"],
            m["text_heads"],
            m["text_feed_forward"],
            dropout=m["dropout"],
            activation="gelu",
            batch_first=True,
            norm_first=False,
        )
        self.text_encoder = nn.TransformerEncoder(layer, m["text_layers"], enable_nested_tensor=False)
        joint = m["cpc_hidden"] + m["text_model"]
        self.to_mu = nn.Linear(joint, m["latent"])
        self.to_log_var = nn.Linear(joint, m["latent"])
        self.latent_to_state = nn.Linear(m["latent"], m["cpc_hidden"])
        self.decoder = gru(m["cpc_embedding"], m["cpc_hidden"])
        self.decoder_out = nn.Linear(m["cpc_hidden"], cpc_vocab)
        self.predictor_hidden = nn.Linear(m["latent"], m["predictor_hidden"])
        self.predictor_out = nn.Linear(m["predictor_hidden"], 1)

    @staticmethod
    def masked_mean(x, keep):
        weights = keep.float().unsqueeze(2)
        return (x * weights).sum(1) / weights.sum(1).clamp_min(1.0)

    def forward(self, cpc, text):
        cpc_states, _ = self.cpc_encoder(self.cpc_embedding(cpc))
        cpc_summary = self.masked_mean(cpc_states, cpc != PAD)
        positions = torch.arange(text.shape[1]).unsqueeze(0).expand(text.shape[0], -1)
        embedded = self.text_embedding(text) + self.text_position(positions)
        pad = text == PAD
        encoded = self.text_encoder(embedded, src_key_padding_mask=pad)
        text_summary = self.masked_mean(encoded, ~pad)
        joint = torch.cat([cpc_summary, text_summary], 1)
        mu, log_var = self.to_mu(joint), self.to_log_var(joint)
        z = mu + torch.exp(0.5 * log_var) * torch.randn_like(mu)
        state = torch.tanh(self.latent_to_state(z)).unsqueeze(0)
        states, _ = self.decoder(self.cpc_embedding(cpc[:, :-1]), state)
        logits = self.decoder_out(states)
        impact = self.predictor_out(torch.relu(self.predictor_hidden(z))).squeeze(1)
        return mu, log_var, logits, impact


def losses(cpc, label, mu, log_var, logits, impact, positive_weight):
    targets = cpc[:, 1:]
    keep = (targets != PAD).float()
    picked = F.log_softmax(logits, 2).gather(2, targets.unsqueeze(2)).squeeze(2)
    reconstruction = -(picked * keep).sum() / keep.sum().clamp_min(1.0)
    kl = -0.5 * (log_var + 1.0 - mu.pow(2) - log_var.exp()).sum(1).mean()
    bce = label * positive_weight * F.logsigmoid(impact) + (1.0 - label) * F.logsigmoid(-impact)
    return reconstruction, kl, -bce.mean()


def pad(rows, minimum):
    width = max(minimum, max(len(r) for r in rows))
    out = torch.full((len(rows), width), PAD, dtype=torch.long)
    for i, row in enumerate(rows):
        out[i, : len(row)] = torch.tensor(row, dtype=torch.long)
    return out


def main(path, unrolled_gru):
    with open(path) as f:
        bench = json.load(f)
    settings, examples = bench["settings"], bench["examples"]
    torch.manual_seed(settings["seed"])
    model = Model(settings["model"], bench["cpc_vocab"], bench["text_vocab"], unrolled_gru)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=settings["learning_rate"])
    size = settings["batch_size"]
    batches = []
    for start in range(0, len(examples) - size + 1, size):
        chunk = examples[start : start + size]
        batches.append(
            (
                pad([e["codes"] for e in chunk], 2),
                pad([e["text"] for e in chunk], 1),
                torch.tensor([float(e["l1"]) for e in chunk]),
            )
        )
    warmup, steps = settings["warmup"], settings["steps"]
    started, loss = None, None
    for step in range(warmup + steps):
        if step == warmup:
            started = time.perf_counter()
        cpc, text, label = batches[step % len(batches)]
        mu, log_var, logits, impact = model(cpc, text)
        reconstruction, kl, prediction = losses(cpc, label, mu, log_var, logits, impact, settings["positive_weight"])
        loss = reconstruction + settings["beta"] * kl + settings["lambda"] * prediction
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        loss = loss.item()  # waits for the step, as the Rust side's read of the loss does
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "backend": "pytorch",
                "unrolled_gru": unrolled_gru,
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "parameters": sum(p.numel() for p in model.parameters()),
                "samples_per_second": steps * size / seconds,
                "seconds": seconds,
                "loss": loss,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], "--unrolled-gru" in sys.argv[2:])
