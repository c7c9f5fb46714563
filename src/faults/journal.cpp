#include "faults/journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace sf::faults {

Journal::Journal(Journal&& o) noexcept
    : path_(std::move(o.path_)), fd_(o.fd_), records_(std::move(o.records_)), resumed_(o.resumed_) {
  o.fd_ = -1;
}

Journal& Journal::operator=(Journal&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(o.path_);
    fd_ = o.fd_;
    records_ = std::move(o.records_);
    resumed_ = o.resumed_;
    o.fd_ = -1;
  }
  return *this;
}

Journal::~Journal() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {

Status write_all(int fd, const std::string& s, const std::string& path) {
  size_t done = 0;
  while (done < s.size()) {
    const ssize_t w = ::write(fd, s.data() + done, s.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      return io_error("journal '" + path + "': write failed: " + std::strerror(errno));
    }
    done += static_cast<size_t>(w);
  }
  return Status::ok();
}

}  // namespace

Result<Journal> Journal::open(const std::string& path, const nlohmann::json& header) {
  Journal j;
  j.path_ = path;
  std::string text;
  {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::ostringstream ss;
      ss << in.rdbuf();
      text = ss.str();
    }
  }
  const std::string want = header.value("fingerprint", "");
  size_t keep = 0;  // bytes of whole lines
  if (!text.empty()) {
    size_t pos = 0, line_no = 0;
    while (pos < text.size()) {
      const size_t nl = text.find('\n', pos);
      if (nl == std::string::npos) break;  // a torn last line: dropped below
      const std::string line = text.substr(pos, nl - pos);
      ++line_no;
      nlohmann::json rec = nlohmann::json::parse(line, nullptr, false);
      if (line_no == 1) {
        const std::string have = rec.is_object() ? rec.value("fingerprint", "") : "";
        if (have != want)
          return invalid_argument("journal '" + path + "' belongs to another campaign (fingerprint " +
                                  (have.empty() ? "missing" : have) + ", this campaign " + want +
                                  "): remove it or pass another --journal");
      } else if (!rec.is_object() || !rec.contains("i") || !rec["i"].is_number_integer()) {
        return invalid_argument("journal '" + path + "': line " + std::to_string(line_no) +
                                " is not a record; the file is damaged");
      } else {
        j.records_.emplace(rec["i"].get<int64_t>(), std::move(rec));
      }
      pos = nl + 1;
      keep = pos;
    }
  }
  j.resumed_ = static_cast<int64_t>(j.records_.size());
  j.fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (j.fd_ < 0) return io_error("journal '" + path + "': cannot open: " + std::strerror(errno));
  if (keep < text.size() && ::ftruncate(j.fd_, static_cast<off_t>(keep)) != 0)
    return io_error("journal '" + path + "': cannot drop its torn last line: " + std::strerror(errno));
  if (keep == 0) SF_TRY(write_all(j.fd_, header.dump() + "\n", path));  // new, or a torn header
  return j;
}

Status Journal::append(const nlohmann::json& record) {
  const int64_t i = record.at("i").get<int64_t>();
  if (records_.count(i)) return Status::ok();
  SF_TRY(write_all(fd_, record.dump() + "\n", path_));
  records_.emplace(i, record);
  return Status::ok();
}

Status Journal::sync() {
  if (fd_ >= 0 && ::fsync(fd_) != 0) return io_error("journal '" + path_ + "': fsync failed");
  return Status::ok();
}

}  // namespace sf::faults
