import HashscreenCore
public struct ImageHashes64 { public var phash, dhash, ahash: HashValue }
public final class ImageHasher64 { public init() {}
  public func hashes(rgb: UnsafeBufferPointer<UInt8>, width: Int, height: Int) -> ImageHashes64 { fatalError() } }
