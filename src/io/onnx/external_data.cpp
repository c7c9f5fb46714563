#include "io/onnx/external_data.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <string_view>

namespace sf::onnx_io {

namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

Result<std::string> canonical(const std::string& path) {
  char buf[PATH_MAX];
  if (!realpath(path.c_str(), buf)) return io_error("cannot resolve path '" + path + "'");
  return std::string(buf);
}

bool has_dotdot_component(std::string_view p) {
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find('/', start);
    if (end == std::string_view::npos) end = p.size();
    if (p.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

Status read_external_data(const std::string& model_dir, const ExternalRef& ref, void* dst,
                          int64_t bytes, const std::string& what) {
  const std::string& loc = ref.location;
  auto refuse = [&](const std::string& why) {
    return invalid_model(what + ": external data location '" + loc + "' " + why);
  };
  if (model_dir.empty()) return refuse("cannot be used here (no model folder)");
  if (loc.empty()) return refuse("is empty");
  if (loc.find('\0') != std::string::npos) return refuse("contains a NUL byte");
  if (loc[0] == '/') return refuse("is an absolute path; it must be relative to the model's folder");
  if (has_dotdot_component(loc)) return refuse("contains '..'; it must stay inside the model's folder");
  if (ref.offset < 0) return refuse("has negative offset " + std::to_string(ref.offset));
  if (ref.length < -1) return refuse("has negative length " + std::to_string(ref.length));
  if (ref.length >= 0 && ref.length != bytes)
    return refuse("has length " + std::to_string(ref.length) + " but the tensor needs " +
                  std::to_string(bytes) + " bytes");

  SF_ASSIGN_OR_RETURN(const std::string dir, canonical(model_dir));
  const std::string joined = dir + "/" + loc;
  struct stat lst {};
  if (lstat(joined.c_str(), &lst) != 0) return refuse("does not exist in '" + dir + "'");
  char buf[PATH_MAX];
  if (!realpath(joined.c_str(), buf))
    return refuse("cannot be resolved (a dangling symbolic link?)");
  const std::string real(buf);
  // Without '/' in front and without "..", only a symbolic link (the file itself or a folder on
  // the way) can lead outside; links that stay inside the folder are fine.
  const std::string prefix = dir == "/" ? dir : dir + "/";
  if (real.compare(0, prefix.size(), prefix) != 0)
    return refuse("leads outside the model's folder through a symbolic link: it resolves to '" +
                  real + "', which is not inside '" + dir + "'");

  Fd f;
  // O_NONBLOCK: a FIFO planted in the folder must not block the open; regular files ignore it.
  f.fd = open(real.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (f.fd < 0) return refuse("cannot be opened");
  struct stat st {};
  if (fstat(f.fd, &st) != 0 || !S_ISREG(st.st_mode)) return refuse("is not a regular file");
  struct stat rst {};
  if (stat(real.c_str(), &rst) != 0 || rst.st_ino != st.st_ino || rst.st_dev != st.st_dev)
    return refuse("changed while being opened");
  const int64_t size = st.st_size;
  if (ref.offset > size || bytes > size - ref.offset)
    return refuse("offset " + std::to_string(ref.offset) + " + length " + std::to_string(bytes) +
                  " is past the end of the file (" + std::to_string(size) + " bytes)");
  auto* out = static_cast<char*>(dst);
  int64_t done = 0;
  while (done < bytes) {
    const ssize_t n = pread(f.fd, out + done, static_cast<size_t>(bytes - done),
                            static_cast<off_t>(ref.offset + done));
    if (n <= 0) return io_error(what + ": reading external data '" + loc + "' failed");
    done += n;
  }
  return Status::ok();
}

}  // namespace sf::onnx_io
