#include "io/npy/npy.hpp"

#include <sys/stat.h>
#include <zip.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

namespace sf::npy {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMaxHeader = 1 << 16;

// Reads a whole regular file of at most `max_size` bytes.
Result<std::string> read_file(const std::string& path, uint64_t max_size) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return io_error("cannot open '" + path + "'");
  if (!S_ISREG(st.st_mode)) return io_error("'" + path + "' is not a regular file");
  if (static_cast<uint64_t>(st.st_size) > max_size)
    return resource_limit("'" + path + "' has " + std::to_string(st.st_size) +
                          " bytes, more than the memory limit allows (--max-tensor-bytes)");
  std::ifstream f(path, std::ios::binary);
  if (!f) return io_error("cannot open '" + path + "'");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Extracts the value text for `key` from the header dict: {'descr': '<f4', 'fortran_order':
// False, 'shape': (1, 3), }
Result<std::string> dict_field(const std::string& h, const std::string& key, const std::string& what) {
  const std::string k = "'" + key + "'";
  size_t p = h.find(k);
  if (p == std::string::npos) return invalid_argument(what + ": header has no '" + key + "'");
  p = h.find(':', p + k.size());
  if (p == std::string::npos) return invalid_argument(what + ": malformed header near '" + key + "'");
  ++p;
  while (p < h.size() && h[p] == ' ') ++p;
  if (p >= h.size()) return invalid_argument(what + ": malformed header near '" + key + "'");
  size_t end;
  if (h[p] == '\'') {
    end = h.find('\'', p + 1);
    if (end == std::string::npos) return invalid_argument(what + ": unterminated string in header");
    return h.substr(p + 1, end - p - 1);
  }
  if (h[p] == '(') {
    end = h.find(')', p);
    if (end == std::string::npos) return invalid_argument(what + ": unterminated shape in header");
    return h.substr(p + 1, end - p - 1);
  }
  end = h.find_first_of(",}", p);
  if (end == std::string::npos) return invalid_argument(what + ": malformed header near '" + key + "'");
  return h.substr(p, end - p);
}

}  // namespace

Result<Tensor> parse_npy(const std::string& b, const std::string& what, int64_t max_bytes) {
  if (max_bytes <= 0) max_bytes = MemoryLimit::kDefaultBytes;
  if (b.size() < 10 || std::memcmp(b.data(), kMagic, 6) != 0)
    return invalid_argument(what + ": not a .npy file (bad magic)");
  const int major = static_cast<unsigned char>(b[6]);
  size_t header_len, offset;
  if (major == 1) {
    header_len = static_cast<unsigned char>(b[8]) | static_cast<size_t>(static_cast<unsigned char>(b[9])) << 8;
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (b.size() < 12) return invalid_argument(what + ": truncated .npy header");
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= static_cast<size_t>(static_cast<unsigned char>(b[8 + i])) << (8 * i);
    offset = 12;
  } else {
    return invalid_argument(what + ": unsupported .npy version " + std::to_string(major));
  }
  if (header_len > kMaxHeader || offset + header_len > b.size())
    return invalid_argument(what + ": .npy header length " + std::to_string(header_len) +
                            " is past the end of the file");
  const std::string h = b.substr(offset, header_len);
  SF_ASSIGN_OR_RETURN(const std::string descr, dict_field(h, "descr", what));
  SF_ASSIGN_OR_RETURN(const std::string fortran, dict_field(h, "fortran_order", what));
  SF_ASSIGN_OR_RETURN(const std::string shape_txt, dict_field(h, "shape", what));
  const auto dt = dtype_from_numpy(descr);
  if (!dt) return invalid_argument(what + ": unsupported dtype '" + descr + "'");
  if (fortran.find("False") == std::string::npos)
    return invalid_argument(what + ": Fortran-order arrays are not supported");
  Shape shape;
  std::stringstream ss(shape_txt);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const size_t s = item.find_first_not_of(" L");
    if (s == std::string::npos) continue;
    const std::string num = item.substr(s, item.find_last_not_of(" L") - s + 1);
    if (num.empty() || num.size() > 18 || num.find_first_not_of("0123456789") != std::string::npos)
      return invalid_argument(what + ": bad dimension '" + num + "' in shape (" + shape_txt + ")");
    shape.push_back(std::stoll(num));
  }
  auto numel = shape_numel(shape);
  if (!numel) return invalid_argument(what + ": " + numel.status().message());
  const size_t data_off = offset + header_len;
  const int64_t esize = static_cast<int64_t>(dtype_size(*dt));
  if (*numel > (max_bytes / esize))
    return resource_limit(what + ": array " + dtype_name(*dt) + shape_str(shape) +
                          " is larger than the limit of " + std::to_string(max_bytes) +
                          " bytes (--max-tensor-bytes)");
  const auto need = static_cast<size_t>(*numel * esize);
  if (b.size() - data_off != need)
    return invalid_argument(what + ": data has " + std::to_string(b.size() - data_off) +
                            " bytes but " + dtype_name(*dt) + shape_str(shape) + " needs " +
                            std::to_string(need));
  SF_ASSIGN_OR_RETURN(Tensor t, Tensor::make(*dt, shape, max_bytes));
  if (need) std::memcpy(t.raw(), b.data() + data_off, need);
  if (t.dtype() == DType::kBool)  // any nonzero byte is true; kernels may rely on 0/1
    for (int64_t i = 0; i < t.numel(); ++i) t.data<uint8_t>()[i] = t.data<uint8_t>()[i] != 0;
  return t;
}

Result<Tensor> read_npy(const std::string& path, int64_t max_bytes) {
  if (max_bytes <= 0) max_bytes = MemoryLimit::kDefaultBytes;
  SF_ASSIGN_OR_RETURN(const std::string b,
                      read_file(path, static_cast<uint64_t>(max_bytes) + kMaxHeader + 16));
  return parse_npy(b, "'" + path + "'", max_bytes);
}

std::string serialize_npy(const Tensor& t) {
  std::string shape;
  for (int64_t d : t.shape()) shape += std::to_string(d) + ", ";
  if (t.rank() > 1) shape.resize(shape.size() - 2);
  else if (t.rank() == 1) shape.resize(shape.size() - 1);
  std::string h = "{'descr': '" + dtype_to_numpy(t.dtype()) + "', 'fortran_order': False, 'shape': (" +
                  shape + "), }";
  const size_t total = 10 + h.size() + 1;
  h.append((64 - total % 64) % 64, ' ');
  h += '\n';
  std::string out(kMagic, 6);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(h.size() & 0xff);
  out += static_cast<char>((h.size() >> 8) & 0xff);
  out += h;
  out.append(static_cast<const char*>(t.raw()), t.nbytes());
  return out;
}

Status write_npy(const std::string& path, const Tensor& t) {
  std::ofstream f(path, std::ios::binary);
  if (!f) return io_error("cannot write '" + path + "'");
  const std::string b = serialize_npy(t);
  f.write(b.data(), static_cast<std::streamsize>(b.size()));
  return f ? Status::ok() : io_error("cannot write '" + path + "'");
}

Result<NamedTensors> read_npz(const std::string& path, int64_t max_bytes) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_RDONLY, &err);
  if (!z) return invalid_argument("'" + path + "' is not a readable .npz (zip) file");
  std::unique_ptr<zip_t, decltype(&zip_discard)> guard(z, &zip_discard);
  NamedTensors out;
  const int64_t limit = max_bytes > 0 ? max_bytes : MemoryLimit::kDefaultBytes;
  const zip_int64_t n = zip_get_num_entries(z, 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    if (zip_stat_index(z, static_cast<zip_uint64_t>(i), 0, &st) != 0)
      return invalid_argument("'" + path + "': cannot read entry " + std::to_string(i));
    std::string name = st.name;
    if (st.size > static_cast<zip_uint64_t>(limit) + kMaxHeader + 16)
      return resource_limit("'" + path + "': entry '" + name + "' exceeds the memory limit");
    zip_file_t* f = zip_fopen_index(z, static_cast<zip_uint64_t>(i), 0);
    if (!f) return invalid_argument("'" + path + "': cannot open entry '" + name + "'");
    std::string bytes(static_cast<size_t>(st.size), '\0');
    const zip_int64_t got = zip_fread(f, bytes.data(), st.size);
    zip_fclose(f);
    if (got != static_cast<zip_int64_t>(st.size))
      return invalid_argument("'" + path + "': entry '" + name + "' is truncated");
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0) name.resize(name.size() - 4);
    SF_ASSIGN_OR_RETURN(Tensor t, parse_npy(bytes, "'" + path + "' entry '" + name + "'", limit));
    out.emplace_back(name, std::move(t));
  }
  return out;
}

Status write_npz(const std::string& path, const NamedTensors& tensors) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  if (!z) return io_error("cannot create '" + path + "'");
  std::vector<std::string> buffers;
  buffers.reserve(tensors.size());
  for (const auto& [name, t] : tensors) {
    buffers.push_back(serialize_npy(t));
    zip_source_t* src = zip_source_buffer(z, buffers.back().data(), buffers.back().size(), 0);
    if (!src || zip_file_add(z, (name + ".npy").c_str(), src, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8) < 0) {
      if (src) zip_source_free(src);
      zip_discard(z);
      return io_error("cannot add '" + name + "' to '" + path + "'");
    }
  }
  if (zip_close(z) != 0) {
    zip_discard(z);
    return io_error("cannot write '" + path + "'");
  }
  return Status::ok();
}

}  // namespace sf::npy
