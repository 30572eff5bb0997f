import Foundation

/// The variable files of a configuration directory that are loaded without a `-var-file`, as
/// Terraform loads `terraform.tfvars` and `*.auto.tfvars`: `tfy.tfvars.yml` (or `.yaml`, or
/// `.json`) first, then every `*.auto.tfvars.yml`/`.yaml`/`.json` in lexical order of name.
///
/// Every `*.tfvars.yml`/`.yaml` of the directory is a variable file, loaded automatically or not,
/// and never read as configuration (a variable file's top-level keys are variable names, which
/// the configuration would refuse as unknown blocks).
public enum AutomaticVariableFiles {
    static let extensions = ["yml", "yaml", "json"]

    /// Whether `name`, a file of the configuration directory, holds variable values.
    public static func isVariableFile(_ name: String) -> Bool {
        extensions.contains { name.hasSuffix(".tfvars.\($0)") }
    }

    /// The file names of `directory` to load, in the order they are loaded (later wins).
    public static func names(in directory: String) -> [String] {
        let present = Set(((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(".") })
        let first = extensions.map { "tfy.tfvars.\($0)" }.filter(present.contains)
        let auto = present.filter { name in extensions.contains { name.hasSuffix(".auto.tfvars.\($0)") } }.sorted()
        return first + auto
    }
}
