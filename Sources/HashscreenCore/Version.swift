/// The tool's version, stamped into every output's provenance.
public enum HashscreenVersion {
    public static let current = "0.1.0"
}
