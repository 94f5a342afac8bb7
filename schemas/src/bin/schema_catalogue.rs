//! Prints the table catalogue as Markdown; `schemas/README.md` is this program's output.

fn main() {
    print!("{}", schemas::catalogue::render_markdown());
}
