// The C-callable side of each fuzz target: libFuzzer's callback signature over one of
// HashscreenFuzzEntryPoints' functions (the C main in hashscreen-fuzz picks one by name).

import HashscreenFuzzEntryPoints

@inline(__always)
private func run(_ data: UnsafePointer<UInt8>?, _ size: Int, _ body: (UnsafeRawBufferPointer) -> Void) -> Int32 {
    body(UnsafeRawBufferPointer(start: size == 0 ? nil : data, count: size))
    return 0
}

@_cdecl("hsfuzz_parquet_file")
public func parquetFile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 { run(data, size, FuzzEntryPoints.parquetFile) }

@_cdecl("hsfuzz_parquet_pages")
public func parquetPages(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 { run(data, size, FuzzEntryPoints.parquetPages) }

@_cdecl("hsfuzz_tar")
public func tar(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 { run(data, size, FuzzEntryPoints.tar) }

@_cdecl("hsfuzz_csv_tokenizer")
public func csvTokenizer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 { run(data, size, FuzzEntryPoints.csvTokenizer) }

@_cdecl("hsfuzz_delimited_manifest")
public func delimitedManifest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 { run(data, size, FuzzEntryPoints.delimitedManifest) }

@_cdecl("hsfuzz_jsonl_manifest")
public func jsonlManifest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 { run(data, size, FuzzEntryPoints.jsonlManifest) }

@_cdecl("hsfuzz_list_file")
public func listFile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 { run(data, size, FuzzEntryPoints.listFile) }

@_cdecl("hsfuzz_image")
public func image(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 { run(data, size, FuzzEntryPoints.image) }
