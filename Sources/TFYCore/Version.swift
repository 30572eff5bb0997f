/// The version of tfy, as `tfy version` prints it and state and plan files record it.
public enum TFYVersion {
    public static let current = "0.1.0"
}
