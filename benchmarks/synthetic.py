"""Synthetic amalgamations for the benchmark: a registry header in the style of tvm-ffi
(``GlobalDef().def``, ``ObjectDef`` temporaries whose destructors reach an eager lookup),
shared utility headers, and N sources with an init block, helper classes and 48 functions
each, one function in 16 standard-library heavy as runtime code is."""

from __future__ import annotations

from pathlib import Path

REGISTRY_H = """\
#ifndef BENCH_REGISTRY_H_
#define BENCH_REGISTRY_H_
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace tvm {
namespace ffi {
class Function {
 public:
  Function() = default;
  explicit Function(std::function<int(int)> f) : f_(std::move(f)) {}
  static void SetGlobal(const char* name, Function f) { Table()[name] = std::move(f); }
  static Function GetGlobalRequired(const char* name) { return Table().at(name); }

 private:
  static std::map<std::string, Function>& Table() {
    static std::map<std::string, Function> table;
    return table;
  }
  std::function<int(int)> f_;
};
namespace reflection {
class GlobalDef {
 public:
  GlobalDef& def(const char* name, int (*fn)(int)) {
    Function::SetGlobal(name, Function(fn));
    return *this;
  }
};
inline Function MakeInit(int index) {
  static Function base = Function::GetGlobalRequired("bench.core");
  return Function([index](int x) { return x + index; });
}
inline void RegisterAutoInit(int index) { (void)MakeInit(index); }
template <typename T>
class ObjectDef {
 public:
  ~ObjectDef() { AutoRegisterInit(); }
  ObjectDef& def_ro(const char* name) { (void)name; return *this; }
 private:
  void AutoRegisterInit() { RegisterAutoInit(T::kIndex); }
};
}  // namespace reflection
}  // namespace ffi
}  // namespace tvm
#define BENCH_CAT_(a, b) a##b
#define BENCH_CAT(a, b) BENCH_CAT_(a, b)
#define TVM_FFI_STATIC_INIT_BLOCK() \\
  __attribute__((constructor)) static void BENCH_CAT(bench_init_, __COUNTER__)()
#endif
"""

UTIL_H = """\
#ifndef BENCH_UTIL_{k}_H_
#define BENCH_UTIL_{k}_H_
#include <algorithm>
#include <string>
#include <vector>
namespace bench {{
namespace util{k} {{
template <typename T>
inline T Clamp{k}(T v, T lo, T hi) {{ return std::min(std::max(v, lo), hi); }}
inline std::string Join{k}(const std::vector<std::string>& parts, const std::string& sep) {{
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {{
    if (i) out += sep;
    out += parts[i];
  }}
  return out;
}}
struct Stats{k} {{
  double sum = 0, min = 1e300, max = -1e300;
  int count = 0;
  void Add(double v) {{ sum += v; min = std::min(min, v); max = std::max(max, v); ++count; }}
  double Mean() const {{ return count ? sum / count : 0.0; }}
}};
}}  // namespace util{k}
}}  // namespace bench
#endif
"""

# Function bodies in the style of runtime code: standard containers keyed by strings, lambdas,
# smart pointers and algorithms, each instantiated on the source's own types.
FUNCTION = """\
static int Step{i}_{j}(int x) {{
  std::map<std::string, std::vector<Record{i}>> groups;
  std::unordered_map<std::string, std::shared_ptr<Record{i}>> index;
  for (int k = 0; k < (x % 17) + 3; ++k) {{
    Record{i} r{{util{u}::Clamp{u}(k * x - {j}, -1000, 1000), "r" + std::to_string(k)}};
    groups[r.name.substr(0, 1)].push_back(r);
    index.emplace(r.name, std::make_shared<Record{i}>(r));
  }}
  std::vector<std::pair<std::string, double>> means;
  for (const auto& [key, rows] : groups) {{
    util{u}::Stats{u} stats;
    std::for_each(rows.begin(), rows.end(), [&](const Record{i}& r) {{ stats.Add(r.value); }});
    means.emplace_back(key, stats.Mean());
  }}
  std::sort(means.begin(), means.end(),
            [](const auto& a, const auto& b) {{ return a.second < b.second; }});
  std::function<int(int)> next = [x](int y) {{ return Step{i}_{prev}(x - y); }};
  std::optional<int> best;
  for (const auto& [key, mean] : means) {{
    if (!best || mean > *best) best = static_cast<int>(mean) + static_cast<int>(key.size());
  }}
  std::ostringstream os;
  os << means.size() << ':' << index.size();
  return best.value_or({j}) + static_cast<int>(os.str().size()) + (x > 2 ? next(1) : 0);
}}
"""

PLAIN = """\
static int Step{i}_{j}(int x) {{
  int acc = {j};
  for (int k = 0; k < (x % 13) + 2; ++k) {{
    acc += util{u}::Clamp{u}(k * x - acc, -500, 500);
    if (acc % 7 == 3) acc -= Step{i}_{prev}(k);
  }}
  return acc;
}}
"""

SOURCE_TAIL = """\
struct Node{i} {{
  static constexpr int kIndex = {i};
  int value = 0;
  std::string label;
}};

class Worker{i} {{
 public:
  explicit Worker{i}(int seed) : seed_(seed) {{}}
  int Run(int n) {{
    int acc = 0;
    for (int k = 0; k < n; ++k) acc += Step{i}_{last}(seed_ + k);
    return acc;
  }}

 private:
  int seed_;
}};

int Entry{i}(int x) {{ return Worker{i}(x).Run(3); }}

TVM_FFI_STATIC_INIT_BLOCK() {{
  namespace refl = ::tvm::ffi::reflection;
  refl::ObjectDef<Node{i}>().def_ro("value").def_ro("label");
  refl::GlobalDef().def("bench.entry{i}", Entry{i});
}}
}}  // namespace bench
"""


def generate(root: Path, sources: int, functions: int = 48) -> Path:
    """Write an amalgamation of ``sources`` files under ``root``; return the umbrella."""
    (root / "include" / "bench").mkdir(parents=True)
    (root / "src").mkdir()
    (root / "include" / "bench" / "registry.h").write_text(REGISTRY_H)
    for k in range(10):
        (root / "include" / "bench" / f"util{k}.h").write_text(UTIL_H.format(k=k))
    lines = ['#include "src/core.cc"\n']
    (root / "src" / "core.cc").write_text(
        '#include "bench/registry.h"\nnamespace bench {\nint Core(int x) { return x; }\n'
        'TVM_FFI_STATIC_INIT_BLOCK() {\n  ::tvm::ffi::reflection::GlobalDef().def('
        '"bench.core", Core);\n}\n}  // namespace bench\n'
    )
    for i in range(sources):
        u = i % 10
        parts = ['#include "bench/registry.h"\n', f'#include "bench/util{u}.h"\n',
                 "#include <algorithm>\n#include <functional>\n#include <map>\n"
                 "#include <memory>\n#include <optional>\n#include <sstream>\n#include <string>\n"
                 "#include <unordered_map>\n#include <vector>\n\n",
                 "namespace bench {\n",
                 f"struct Record{i} {{\n  int value;\n  std::string name;\n}};\n"]
        parts.append(f"static int Step{i}_0(int x) {{ return x; }}\n")
        for j in range(1, functions):
            # one function in 16 is standard-library heavy, the rest plain arithmetic: on
            # clang this costs about what Apache TVM's runtime costs per byte (see the README)
            template = FUNCTION if j % 16 == 1 else PLAIN
            parts.append(template.format(i=i, j=j, prev=j - 1, u=u))
        parts.append(SOURCE_TAIL.format(i=i, last=functions - 1))
        (root / "src" / f"unit{i}.cc").write_text("".join(parts))
        lines.append(f'#include "src/unit{i}.cc"\n')
    lines.append("int main() { return 0; }\n")
    umbrella = root / "umbrella.cc"
    umbrella.write_text("".join(lines))
    return umbrella


def unit_bytes(root: Path) -> int:
    """The bytes of every file under ``root``."""
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
