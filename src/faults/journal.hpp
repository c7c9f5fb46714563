// The campaign journal: an append-only file of JSON lines. The first line is a header naming the
// campaign (its fingerprint); every further line is one injection's record, written in a single
// write(2) as soon as it is known. A killed campaign loses at most the records in flight; opening
// the journal again drops a torn last line, loads the complete records and the campaign carries
// on with the injections that have none. Records are keyed by injection index, so nothing is
// counted twice.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "core/status.hpp"

namespace sf::faults {

class Journal {
 public:
  Journal() = default;
  Journal(Journal&& o) noexcept;
  Journal& operator=(Journal&& o) noexcept;
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;
  ~Journal();

  // Opens or creates `path`. An existing journal must have been written for the same
  // header["fingerprint"]; otherwise the error names both and the file is left untouched.
  static Result<Journal> open(const std::string& path, const nlohmann::json& header);
  const std::string& path() const { return path_; }
  const std::map<int64_t, nlohmann::json>& records() const { return records_; }
  bool has(int64_t index) const { return records_.count(index) > 0; }
  int64_t resumed() const { return resumed_; }  // records found when opened
  // Appends one record (must carry "i"); a record for an index already present is ignored.
  Status append(const nlohmann::json& record);
  Status sync();  // fsync

 private:
  std::string path_;
  int fd_ = -1;
  std::map<int64_t, nlohmann::json> records_;
  int64_t resumed_ = 0;
};

}  // namespace sf::faults
