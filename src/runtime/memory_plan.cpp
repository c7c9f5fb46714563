#include "runtime/memory_plan.hpp"

#include <algorithm>
#include <climits>

namespace sf::rt {

namespace {

constexpr int64_t kAlign = 64;

int64_t value_bytes(const ir::Value& v) {
  if (!v.type.shape || !shape_is_static(*v.type.shape) || !dtype_is_supported(v.type.dtype)) return -1;
  int64_t n = 1;
  for (int64_t d : *v.type.shape) {
    if (d < 0 || (d > 0 && n > (INT64_MAX / 64) / d)) return -1;
    n *= d;
  }
  const int64_t bytes = n * static_cast<int64_t>(dtype_size(v.type.dtype));
  return (bytes + kAlign - 1) / kAlign * kAlign;
}

struct Item {
  ir::ValueId id;
  int64_t bytes, first, last;
};

}  // namespace

MemoryPlan plan_memory(const ir::Graph& g, const std::vector<int64_t>& last_use) {
  MemoryPlan plan;
  plan.offset.assign(g.values.size(), MemoryPlan::kNotPlanned);
  std::vector<Item> items;
  for (size_t k = 0; k < g.nodes.size(); ++k)
    for (ir::ValueId id : g.nodes[k].outputs) {
      if (id == ir::kNoValue) continue;
      const ir::Value& v = g.value(id);
      const int64_t last = last_use[static_cast<size_t>(id)];
      if (v.constant || last == INT64_MAX) continue;
      const int64_t bytes = value_bytes(v);
      if (bytes <= 0) continue;
      // A value nobody reads still needs its bytes while its producer runs.
      items.push_back({id, bytes, static_cast<int64_t>(k), std::max<int64_t>(last, k)});
    }
  std::stable_sort(items.begin(), items.end(),
                   [](const Item& a, const Item& b) { return a.bytes > b.bytes; });
  std::vector<const Item*> placed;
  std::vector<std::pair<int64_t, int64_t>> busy;  // [begin, end) of conflicting placed items
  for (const Item& it : items) {
    busy.clear();
    for (const Item* p : placed)
      if (p->first <= it.last && it.first <= p->last) {
        const int64_t off = plan.offset[static_cast<size_t>(p->id)];
        busy.emplace_back(off, off + p->bytes);
      }
    std::sort(busy.begin(), busy.end());
    int64_t off = 0;
    for (const auto& [b, e] : busy) {
      if (off + it.bytes <= b) break;
      off = std::max(off, e);
    }
    plan.offset[static_cast<size_t>(it.id)] = off;
    plan.arena_bytes = std::max(plan.arena_bytes, off + it.bytes);
    plan.unshared_bytes += it.bytes;
    ++plan.planned_values;
    placed.push_back(&it);
  }
  std::vector<int64_t> live(g.nodes.size() + 1, 0);
  for (const Item& it : items)
    for (int64_t k = it.first; k <= it.last; ++k) live[static_cast<size_t>(k)] += it.bytes;
  for (int64_t b : live) plan.live_lower_bound = std::max(plan.live_lower_bound, b);
  return plan;
}

}  // namespace sf::rt
