#include "cli/report_marks.hpp"

#include "cli/format.hpp"

#include <map>

namespace llmgw::cli {
namespace {

constexpr size_t k_models_named = 3;

std::string plural(int64_t count, const char* one, const char* many) {
  return format_count(count) + " " + (count == 1 ? one : many);
}

// "gpt-x, gpt-y and 2 more" from the models with a non-zero count.
std::string model_list(const std::vector<std::string>& names) {
  std::string text;
  for (size_t i = 0; i < names.size() && i < k_models_named; ++i) text += (i > 0 ? ", " : "") + names[i];
  if (names.size() > k_models_named) text += " and " + std::to_string(names.size() - k_models_named) + " more";
  return text;
}

template <typename Count>
std::vector<std::string> models_with(const std::vector<store::InexactModel>& models, Count count) {
  std::vector<std::string> names;
  for (const store::InexactModel& model : models)
    if (count(model) > 0) names.push_back(model.model.empty() ? "(none)" : model.model);
  return names;
}

} // namespace

std::vector<std::string> row_marks(const store::LoggedRequest& row) {
  std::vector<std::string> marks;
  if (row.record.unpriced) marks.emplace_back("unpriced");
  if (row.record.usage_source == core::UsageSource::estimated) marks.emplace_back("estimated");
  if (row.price_basis == "family") marks.emplace_back("family");
  return marks;
}

std::string log_cost_cell(const store::LoggedRequest& row) {
  const core::RequestRecord& r = row.record;
  if (r.unpriced) return r.usage_source == core::UsageSource::estimated ? "unpriced (est)" : "unpriced";
  std::vector<std::string> notes;
  if (r.usage_source == core::UsageSource::estimated) notes.emplace_back("est");
  if (row.price_basis == "family") notes.emplace_back("family");
  if (r.billed_to_client) notes.emplace_back("plan");
  std::string cell = format_usd(r.cost_usd_pico);
  for (size_t i = 0; i < notes.size(); ++i) cell += (i == 0 ? " (" : ", ") + notes[i];
  return notes.empty() ? cell : cell + ")";
}

std::string inexact_footnote(const store::UsageRow& total, const std::vector<store::InexactModel>& models) {
  std::vector<std::string> parts;
  if (total.estimated_requests > 0)
    parts.push_back(plural(total.estimated_requests, "request", "requests") + " estimated (stream cut before usage)");
  if (total.unpriced_requests > 0) {
    const auto names = models_with(models, [](const store::InexactModel& m) { return m.unpriced_requests; });
    parts.push_back(format_count(total.unpriced_requests) + " unpriced (no price for " + model_list(names) +
                    "; not in the cost)");
  }
  if (total.family_priced_requests > 0) {
    const auto names = models_with(models, [](const store::InexactModel& m) { return m.family_priced_requests; });
    parts.push_back(format_count(total.family_priced_requests) + " priced by a family rule (" + model_list(names) +
                    ")");
  }
  if (parts.empty()) return "";
  std::string line = "* ";
  for (size_t i = 0; i < parts.size(); ++i) line += (i > 0 ? ", " : "") + parts[i];
  return line + "\n";
}

std::string log_footnote(const std::vector<store::LoggedRequest>& rows) {
  store::UsageRow total;
  std::map<std::string, store::InexactModel> by_model;
  for (const store::LoggedRequest& row : rows) {
    const auto marks = row_marks(row);
    if (marks.empty()) continue;
    store::InexactModel& model = by_model[row.record.model()];
    model.model = row.record.model();
    for (const std::string& mark : marks) {
      int64_t& count = mark == "unpriced"    ? model.unpriced_requests
                       : mark == "estimated" ? model.estimated_requests
                                             : model.family_priced_requests;
      ++count;
    }
    total.unpriced_requests += row.record.unpriced ? 1 : 0;
    total.estimated_requests += row.record.usage_source == core::UsageSource::estimated ? 1 : 0;
    total.family_priced_requests += row.price_basis == "family" ? 1 : 0;
  }
  std::vector<store::InexactModel> models;
  for (auto& [name, model] : by_model) models.push_back(std::move(model));
  std::string note = inexact_footnote(total, models);
  if (!note.empty()) note.replace(0, 2, "note: "); // log rows spell their marks out instead of a '*'
  return note;
}

} // namespace llmgw::cli
