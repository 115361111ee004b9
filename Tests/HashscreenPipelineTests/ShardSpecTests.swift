/// `--shard I/N` and `--shard auto`: the part a process screens, from the flag or from the
/// environment of a Kubernetes Indexed Job or a Slurm job array (docs/sharding.md).
@testable import HashscreenPipeline
import XCTest

final class ShardSpecTests: XCTestCase {
    func testParse() throws {
        XCTAssertEqual(try ShardSpec.parse("0/1"), try ShardSpec(index: 0, count: 1))
        XCTAssertEqual(try ShardSpec.parse("3/4").index, 3)
        for bad in ["4/4", "1", "/4", "1/", "a/4", "+1/4", " 1/4", "1/4/4", "-1/4", "1/0", "0/\(ShardSpec.maxCount + 1)"] {
            XCTAssertThrowsError(try ShardSpec.parse(bad), bad) { XCTAssertEqual(($0 as? HashscreenError)?.code, .usage, bad) }
        }
    }

    func testKubernetesIndexedJob() throws {
        XCTAssertEqual(try ShardSpec.fromEnvironment(["JOB_COMPLETION_INDEX": "2"], expectedCount: 5), try ShardSpec(index: 2, count: 5))
        XCTAssertEqual(try ShardSpec.fromEnvironment(["JOB_COMPLETION_INDEX": "0", "HASHSCREEN_SHARD_COUNT": "3"], expectedCount: nil).count, 3)
        // The flag wins over the environment's count.
        XCTAssertEqual(try ShardSpec.fromEnvironment(["JOB_COMPLETION_INDEX": "0", "HASHSCREEN_SHARD_COUNT": "3"], expectedCount: 7).count, 7)
        for env in [["JOB_COMPLETION_INDEX": "5"], ["JOB_COMPLETION_INDEX": "x"], ["JOB_COMPLETION_INDEX": "0", "HASHSCREEN_SHARD_COUNT": "many"]] {
            XCTAssertThrowsError(try ShardSpec.fromEnvironment(env, expectedCount: env["HASHSCREEN_SHARD_COUNT"] == nil ? 5 : nil), "\(env)")
        }
        XCTAssertThrowsError(try ShardSpec.fromEnvironment(["JOB_COMPLETION_INDEX": "0"], expectedCount: nil)) {
            XCTAssertTrue(($0 as! HashscreenError).message.contains("--shard-count"))
        }
    }

    /// Task ids map to their position: 0-3, 1-4, 1-7:2, 10-40:10 all give parts 0..3 of 4.
    func testSlurmArraysMapTaskIdsToPositions() throws {
        for (min, max, step) in [(0, 3, 1), (1, 4, 1), (1, 7, 2), (10, 40, 10)] {
            var seen: [Int] = []
            for id in stride(from: min, through: max, by: step) {
                let env = ["SLURM_ARRAY_TASK_ID": String(id), "SLURM_ARRAY_TASK_MIN": String(min), "SLURM_ARRAY_TASK_MAX": String(max),
                           "SLURM_ARRAY_TASK_STEP": String(step), "SLURM_ARRAY_TASK_COUNT": "4"]
                let s = try ShardSpec.fromEnvironment(env, expectedCount: 4)
                XCTAssertEqual(s.count, 4)
                seen.append(s.index)
            }
            XCTAssertEqual(seen, [0, 1, 2, 3], "\(min)-\(max):\(step)")
        }
        // Older Slurm without _STEP: step 1.
        XCTAssertEqual(try ShardSpec.fromEnvironment(["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "4",
                                                      "SLURM_ARRAY_TASK_COUNT": "4"], expectedCount: 4).index, 2)
    }

    func testSlurmArraysThatCannotBeTrustedAreRefused() {
        let cases: [[String: String]] = [
            // sbatch --array=17: one task, but 64 expected.
            ["SLURM_ARRAY_TASK_ID": "17", "SLURM_ARRAY_TASK_MIN": "17", "SLURM_ARRAY_TASK_MAX": "17", "SLURM_ARRAY_TASK_COUNT": "1"],
            // --array=0,2,5: not evenly stepped.
            ["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "5", "SLURM_ARRAY_TASK_COUNT": "3"],
            // --array=0-126:2 (64 tasks) but the task says step 1.
            ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "126", "SLURM_ARRAY_TASK_STEP": "2",
             "SLURM_ARRAY_TASK_COUNT": "64"],
            // Both engines at once.
            ["SLURM_ARRAY_TASK_ID": "0", "JOB_COMPLETION_INDEX": "0"],
            [:],
        ]
        for env in cases {
            XCTAssertThrowsError(try ShardSpec.fromEnvironment(env, expectedCount: 64), "\(env)") {
                XCTAssertEqual(($0 as? HashscreenError)?.code, .usage)
            }
        }
    }
}
