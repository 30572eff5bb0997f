/// Reads a directory of YAML configuration into a checked, evaluated model: the YAML parser
/// over libyaml, the expression language, variables, and validation against resource schemas.
