/// Minimum-cost assignment of workers (rows) to jobs (columns): the Hungarian algorithm with
/// potentials, O(n³) for n = max(rows, columns).
///
/// `nil` costs mark pairs that may not be matched (driver too far). The result first matches as
/// many pairs as possible, then minimises their total cost: disallowed pairs cost more than every
/// allowed pair together, so the solver never trades a match for a cheaper total.
public enum Assignment {
    /// Pairs `(row, column)`, each row and column at most once.
    public static func solve(_ costs: [[Double?]]) -> [(row: Int, column: Int)] {
        let rows = costs.count
        let columns = costs.map(\.count).max() ?? 0
        guard rows > 0, columns > 0 else { return [] }
        let n = max(rows, columns)
        let allowedTotal = costs.joined().compactMap { $0 }.reduce(0) { $0 + abs($1) }
        let forbidden = allowedTotal + 1
        // 1-based square matrix; padding rows and columns cost `forbidden` too, so they never compete.
        var a = [[Double]](repeating: [Double](repeating: forbidden, count: n + 1), count: n + 1)
        for i in 0..<rows {
            for j in 0..<costs[i].count { if let cost = costs[i][j] { a[i + 1][j + 1] = cost } }
        }
        var u = [Double](repeating: 0, count: n + 1)
        var v = [Double](repeating: 0, count: n + 1)
        var p = [Int](repeating: 0, count: n + 1)  // p[j]: row matched to column j
        var way = [Int](repeating: 0, count: n + 1)
        for i in 1...n {
            p[0] = i
            var j0 = 0
            var minv = [Double](repeating: .infinity, count: n + 1)
            var used = [Bool](repeating: false, count: n + 1)
            repeat {
                used[j0] = true
                let i0 = p[j0]
                var delta = Double.infinity
                var j1 = 0
                for j in 1...n where !used[j] {
                    let current = a[i0][j] - u[i0] - v[j]
                    if current < minv[j] {
                        minv[j] = current
                        way[j] = j0
                    }
                    if minv[j] < delta {
                        delta = minv[j]
                        j1 = j
                    }
                }
                for j in 0...n {
                    if used[j] {
                        u[p[j]] += delta
                        v[j] -= delta
                    } else {
                        minv[j] -= delta
                    }
                }
                j0 = j1
            } while p[j0] != 0
            repeat {
                let j1 = way[j0]
                p[j0] = p[j1]
                j0 = j1
            } while j0 != 0
        }
        var pairs: [(row: Int, column: Int)] = []
        for j in 1...n {
            let i = p[j]
            guard i >= 1, i <= rows, j <= costs[i - 1].count, costs[i - 1][j - 1] != nil else { continue }
            pairs.append((i - 1, j - 1))
        }
        return pairs.sorted { $0.row < $1.row }
    }

    /// The assignment greedy matching would make (cheapest pair first), for comparison in benchmarks.
    public static func greedy(_ costs: [[Double?]]) -> [(row: Int, column: Int)] {
        var entries: [(Double, Int, Int)] = []
        for (i, row) in costs.enumerated() {
            for (j, cost) in row.enumerated() { if let cost { entries.append((cost, i, j)) } }
        }
        entries.sort { $0.0 < $1.0 }
        var usedRows = Set<Int>()
        var usedColumns = Set<Int>()
        var pairs: [(row: Int, column: Int)] = []
        for (_, i, j) in entries where !usedRows.contains(i) && !usedColumns.contains(j) {
            usedRows.insert(i)
            usedColumns.insert(j)
            pairs.append((i, j))
        }
        return pairs.sorted { $0.row < $1.row }
    }
}
