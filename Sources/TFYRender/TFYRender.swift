/// TFYRender turns tfy's documents into what people and tools read: a plan as Terraform-style
/// text, Markdown for pull-request comments and Terraform's plan JSON; diagnostics as text with
/// the source line and a caret, or as JSON; the dependency graph as DOT. It reads the plan
/// document only, so what `plan` prints and what `show` prints from a saved plan cannot differ.
