#include "faults/runner.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <vector>

#include "faults/injector.hpp"
#include "runtime/parallel.hpp"

namespace sf::faults {

namespace {

using Clock = std::chrono::steady_clock;

bool read_full(int fd, void* buf, size_t n) {
  auto* p = static_cast<char*>(buf);
  while (n > 0) {
    const ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

bool write_full(int fd, const void* buf, size_t n) {
  const auto* p = static_cast<const char*>(buf);
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// The worker's loop: read a chunk (count, then indices), answer one JSON line per injection.
// A line {"fatal": ...} ends the campaign (the golden run failed, a layer cannot be injected).
[[noreturn]] void worker_main(rt::Session& session, const Campaign& campaign, const Dataset& data,
                              bool abft, int in_fd, int out_fd) {
  Injector injector(session, campaign, data, abft);
  int64_t last_input = -1;
  for (;;) {
    int32_t count = 0;
    if (!read_full(in_fd, &count, sizeof count) || count <= 0) ::_exit(0);
    std::vector<int64_t> chunk(static_cast<size_t>(count));
    if (!read_full(in_fd, chunk.data(), chunk.size() * sizeof(int64_t))) ::_exit(0);
    for (int64_t i : chunk) {
      auto rec = injector.run(i);
      std::string line;
      if (!rec) {
        line = nlohmann::json{{"fatal", rec.status().to_string()}, {"i", i}}.dump();
      } else {
        const int64_t input = (*rec)["input"].get<int64_t>();
        if (input != last_input) {
          last_input = input;
          (*rec)["golden_seconds"] = injector.golden_seconds();
        }
        line = rec->dump();
      }
      line += '\n';
      if (!write_full(out_fd, line.data(), line.size())) ::_exit(1);
      if (!rec) ::_exit(3);
    }
  }
}

struct Worker {
  pid_t pid = -1;
  int to = -1, from = -1;
  std::deque<int64_t> inflight;  // sent, not answered, in order
  std::string buffer;
  Clock::time_point last;        // last answer (or chunk start)
  double golden = 0;             // the latest golden run it reported
};

Status spawn(Worker& w, rt::Session& session, const Campaign& campaign, const Dataset& data, bool abft) {
  int down[2], up[2];
  if (::pipe(down) != 0 || ::pipe(up) != 0) return runtime_error(std::string("pipe: ") + std::strerror(errno));
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::close(down[1]);
    ::close(up[0]);
    ::signal(SIGPIPE, SIG_DFL);
    worker_main(session, campaign, data, abft, down[0], up[1]);
  }
  ::close(down[0]);
  ::close(up[1]);
  w = Worker{};
  w.pid = pid;
  w.to = down[1];
  w.from = up[0];
  w.last = Clock::now();
  return Status::ok();
}

void retire(Worker& w, bool kill_it) {
  if (w.pid > 0) {
    if (kill_it) ::kill(w.pid, SIGKILL);
    ::close(w.to);
    ::close(w.from);
  }
}

std::string fmt_duration(double s) {
  char buf[32];
  if (!std::isfinite(s) || s < 0) return "?";
  if (s < 120) std::snprintf(buf, sizeof buf, "%.0fs", s);
  else if (s < 7200) std::snprintf(buf, sizeof buf, "%.0fm%02.0fs", std::floor(s / 60), std::fmod(s, 60));
  else std::snprintf(buf, sizeof buf, "%.0fh%02.0fm", std::floor(s / 3600), std::fmod(s / 60, 60));
  return buf;
}

}  // namespace

Result<RunStats> run_campaign(rt::Session& session, const Campaign& campaign, const Dataset& data,
                              const RunnerOptions& opts, Journal& journal) {
  const auto start = Clock::now();
  RunStats stats;
  // This shard's pending injections, grouped by input (one golden run per group), then layer.
  std::vector<Injection> todo;
  for (int64_t i = opts.rank; i < campaign.size(); i += std::max(1, opts.ranks)) {
    ++stats.planned;
    if (journal.has(i)) {
      ++stats.resumed;
      continue;
    }
    todo.push_back(campaign.describe(i));
  }
  std::stable_sort(todo.begin(), todo.end(), [](const Injection& a, const Injection& b) {
    return a.input != b.input ? a.input < b.input : a.layer != b.layer ? a.layer < b.layer : a.index < b.index;
  });
  std::deque<std::vector<int64_t>> chunks;
  constexpr size_t kChunk = 32;
  for (size_t i = 0; i < todo.size();) {
    std::vector<int64_t> c;
    const int64_t input = todo[i].input;
    while (i < todo.size() && todo[i].input == input && c.size() < kChunk) c.push_back(todo[i++].index);
    chunks.push_back(std::move(c));
  }
  const int64_t total = stats.planned;
  int64_t done = stats.resumed;
  const int jobs = std::max(1, std::min<int>(opts.jobs > 0 ? opts.jobs : rt::default_threads(),
                                            static_cast<int>(std::max<size_t>(1, chunks.size()))));
  ::signal(SIGPIPE, SIG_IGN);
  std::vector<Worker> workers(static_cast<size_t>(chunks.empty() ? 0 : jobs));
  for (Worker& w : workers) SF_TRY(spawn(w, session, campaign, data, opts.abft));

  const bool tty = ::isatty(2);
  auto last_draw = Clock::now() - std::chrono::hours(1);
  auto draw = [&](bool final_line) {
    if (!opts.progress) return;
    const auto now = Clock::now();
    const double since_draw = std::chrono::duration<double>(now - last_draw).count();
    if (!final_line && since_draw < (tty ? 0.25 : 10.0)) return;
    last_draw = now;
    const double secs = std::chrono::duration<double>(now - start).count();
    const double rate = secs > 0 ? static_cast<double>(stats.executed) / secs : 0;
    const double eta = rate > 0 ? static_cast<double>(total - done) / rate : NAN;
    const double frac = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1;
    constexpr int kBar = 30;
    const int filled = static_cast<int>(frac * kBar);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(kBar, '.');
    std::fprintf(stderr, "%sinject [%s] %lld/%lld %5.1f%% %.0f inj/s ETA %s%s", tty ? "\r" : "",
                 bar.c_str(), static_cast<long long>(done), static_cast<long long>(total), 100 * frac,
                 rate, fmt_duration(eta).c_str(), tty && !final_line ? "" : "\n");
    std::fflush(stderr);
  };

  Status failure = Status::ok();
  bool stopping = false;
  auto record = [&](nlohmann::json rec) -> Status {
    rec.erase("golden_seconds");
    SF_TRY(journal.append(rec));
    ++done;
    ++stats.executed;
    if (opts.stop_after > 0 && stats.executed >= opts.stop_after) stopping = true;
    return Status::ok();
  };
  auto feed = [&](Worker& w) -> bool {
    if (chunks.empty() || stopping) return false;
    std::vector<int64_t> c = std::move(chunks.front());
    chunks.pop_front();
    const auto n = static_cast<int32_t>(c.size());
    if (!write_full(w.to, &n, sizeof n) || !write_full(w.to, c.data(), c.size() * sizeof(int64_t))) {
      chunks.push_front(std::move(c));
      return false;
    }
    w.inflight.assign(c.begin(), c.end());
    w.last = Clock::now();
    return true;
  };
  // A dead or killed worker: its running injection becomes a DUE record, the rest goes back.
  auto lost = [&](Worker& w, const char* why, int signal_no) -> Status {
    int status = 0;
    ::waitpid(w.pid, &status, 0);
    if (!w.inflight.empty()) {
      const int64_t i = w.inflight.front();
      w.inflight.pop_front();
      const Injection in = campaign.describe(i);
      nlohmann::json rec = {{"i", i}, {"input", in.input}, {"layer", campaign.layers()[in.layer].name},
                            {"outcome", "due"}, {"due", why}};
      if (WIFSIGNALED(status)) rec["signal"] = WTERMSIG(status);
      else if (signal_no) rec["signal"] = signal_no;
      SF_TRY(record(std::move(rec)));
      if (!w.inflight.empty()) chunks.push_front(std::vector<int64_t>(w.inflight.begin(), w.inflight.end()));
    }
    retire(w, false);
    SF_TRY(spawn(w, session, campaign, data, opts.abft));
    return Status::ok();
  };

  for (Worker& w : workers) feed(w);
  for (;;) {
    bool busy = false;
    for (Worker& w : workers) busy = busy || !w.inflight.empty();
    if (!busy) {
      bool fed = false;
      for (Worker& w : workers) fed = feed(w) || fed;
      if (!fed) break;
    }
    std::vector<pollfd> fds;
    for (Worker& w : workers) fds.push_back({w.from, POLLIN, 0});
    const int ready = ::poll(fds.data(), fds.size(), 100);
    if (ready < 0 && errno != EINTR) {
      failure = runtime_error(std::string("poll: ") + std::strerror(errno));
      break;
    }
    for (size_t k = 0; k < workers.size() && failure.is_ok() && !stopping; ++k) {
      Worker& w = workers[k];
      if (fds[k].revents & (POLLIN | POLLHUP | POLLERR)) {
        char buf[65536];
        const ssize_t r = ::read(w.from, buf, sizeof buf);
        if (r > 0) {
          w.buffer.append(buf, static_cast<size_t>(r));
          size_t nl;
          while ((nl = w.buffer.find('\n')) != std::string::npos) {
            nlohmann::json rec = nlohmann::json::parse(w.buffer.substr(0, nl), nullptr, false);
            w.buffer.erase(0, nl + 1);
            if (!rec.is_object() || !rec.contains("i")) {
              failure = internal_error("a campaign worker sent an unreadable record");
              break;
            }
            if (rec.contains("fatal")) {
              failure = runtime_error(rec["fatal"].get<std::string>());
              break;
            }
            if (rec.contains("golden_seconds")) w.golden = rec["golden_seconds"].get<double>();
            const int64_t i = rec["i"].get<int64_t>();
            auto it = std::find(w.inflight.begin(), w.inflight.end(), i);
            if (it != w.inflight.end()) w.inflight.erase(it);
            w.last = Clock::now();
            failure = record(std::move(rec));
            if (!failure.is_ok() || stopping) break;
          }
          if (w.inflight.empty() && failure.is_ok() && !stopping) feed(w);
        } else if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) {
          ++stats.crashes;
          failure = lost(w, "crash", 0);
          if (failure.is_ok() && w.inflight.empty()) feed(w);
        }
      }
      if (failure.is_ok() && !w.inflight.empty()) {
        const double limit = opts.timeout > 0 ? opts.timeout
                             : w.golden > 0  ? std::max(2.0, 20 * w.golden)
                                             : 300.0;
        if (std::chrono::duration<double>(Clock::now() - w.last).count() > limit) {
          ++stats.timeouts;
          ::kill(w.pid, SIGKILL);
          failure = lost(w, "timeout", SIGKILL);
          if (failure.is_ok() && w.inflight.empty()) feed(w);
        }
      }
    }
    draw(false);
    if (!failure.is_ok() || stopping) break;  // stopping: the workers are killed below, mid-chunk
  }
  for (Worker& w : workers) {
    retire(w, true);
    int status = 0;
    ::waitpid(w.pid, &status, 0);
  }
  SF_TRY(journal.sync());
  stats.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  draw(true);
  if (!failure.is_ok()) return failure;
  return stats;
}

}  // namespace sf::faults
