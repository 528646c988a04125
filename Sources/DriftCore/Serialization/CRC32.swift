/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as used by zlib and gzip.
///
/// Guards persisted blobs against truncation and bit flips; not a cryptographic hash.
///
/// Slicing-by-8 (Kounavis and Berry, "A Systematic Approach to Building High Performance
/// Software-Based CRC Generators", 2005; zlib's `crc32_little` braids work alike): eight
/// 256-entry tables let one step fold eight bytes with eight independent lookups instead
/// of eight dependent ones. Cost: O(n), ~8× fewer dependent steps than the byte-wise
/// loop, which remains for the last n mod 8 bytes; 8 KiB of tables. Checked against
/// Python's `zlib.crc32` (`Tests/ReferenceVectors/crc32_vectors.py`).
public enum CRC32 {
    /// `tables[k][b]`: the CRC register after byte `b` followed by `k` zero bytes, flattened (k * 256 + b).
    private static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for index in 0..<256 {
            var crc = UInt32(index)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
            tables[index] = crc
        }
        for slice in 1..<8 {
            for index in 0..<256 {
                let previous = tables[(slice - 1) * 256 + index]
                tables[slice * 256 + index] = tables[Int(previous & 0xFF)] ^ (previous >> 8)
            }
        }
        return tables
    }()

    /// The checksum of `bytes`; contiguous storage is read in place, any other sequence is copied once.
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        if let crc = bytes.withContiguousStorageIfAvailable({ checksum(UnsafeRawBufferPointer($0)) }) { return crc }
        return Array(bytes).withUnsafeBytes { checksum($0) }
    }

    /// The checksum of `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        tables.withUnsafeBufferPointer { table in
            var crc: UInt32 = 0xFFFF_FFFF
            var offset = 0
            let count = bytes.count
            while offset &+ 8 <= count {
                let low = bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian ^ crc
                let high = bytes.loadUnaligned(fromByteOffset: offset &+ 4, as: UInt32.self).littleEndian
                crc = table[7 &* 256 &+ Int(low & 0xFF)] ^ table[6 &* 256 &+ Int((low >> 8) & 0xFF)]
                    ^ table[5 &* 256 &+ Int((low >> 16) & 0xFF)] ^ table[4 &* 256 &+ Int(low >> 24)]
                    ^ table[3 &* 256 &+ Int(high & 0xFF)] ^ table[2 &* 256 &+ Int((high >> 8) & 0xFF)]
                    ^ table[256 &+ Int((high >> 16) & 0xFF)] ^ table[Int(high >> 24)]
                offset &+= 8
            }
            while offset < count {
                crc = table[Int((crc ^ UInt32(bytes[offset])) & 0xFF)] ^ (crc >> 8)
                offset &+= 1
            }
            return crc ^ 0xFFFF_FFFF
        }
    }
}
