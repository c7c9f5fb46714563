// .npy / .npz reader and writer against bytes NumPy produces.
//
// Expected bytes come from NumPy 1.26.4 (the repo's .venv):
//   np.save(f, np.arange(6, dtype='<f4').reshape(2, 3))
//   np.save(f, np.array([1, -2, 3], dtype=np.int8))
//   np.save(f, np.array(7, dtype=np.int64))
//   np.save(f, np.array([True, False]))
//   np.save(f, np.zeros((0, 4), np.float64))
// NumPy (format 1.0) writes the magic "\x93NUMPY", version 1.0, a little-endian uint16 header
// length, then the header dict "{'descr': ..., 'fortran_order': False, 'shape': (...), }" padded
// with spaces and a final '\n' so that the data starts at a multiple of 64 bytes (118-byte header,
// data at offset 128 for all of these), then the raw little-endian data.
// kNumpyNpz is np.savez(f, a=np.array([1.5, -2.0], np.float32),
//                          idx=np.array([[1, 2], [3, 4]], np.int64)) (stored entries a.npy, idx.npy).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "io/npy/npy.hpp"

namespace sf {
namespace {

// The header NumPy writes for `dict` (format 1.0, padded to 64 bytes).
std::string numpy_header(const std::string& dict) {
  std::string h = dict;
  h.append(118 - 1 - h.size(), ' ');
  h += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(118);
  out += '\0';
  return out + h;
}

template <typename T>
std::string raw_bytes(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

template <typename T>
Tensor make_tensor(const Shape& shape, const std::vector<T>& values) {
  Tensor t = Tensor::make(DTypeOf<T>::value, shape).value();
  EXPECT_EQ(static_cast<size_t>(t.numel()), values.size());
  if (!values.empty()) std::memcpy(t.raw(), values.data(), values.size() * sizeof(T));
  return t;
}

// A unique scratch folder, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "sf_npy_XXXXXX";
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

const unsigned char kNumpyNpz[] = {
    0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x21, 0x00, 0xd6, 0x43,
    0x4b, 0x05, 0x88, 0x00, 0x00, 0x00, 0x88, 0x00, 0x00, 0x00, 0x05, 0x00, 0x14, 0x00, 0x61, 0x2e,
    0x6e, 0x70, 0x79, 0x01, 0x00, 0x10, 0x00, 0x88, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x88,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x01, 0x00, 0x76,
    0x00, 0x7b, 0x27, 0x64, 0x65, 0x73, 0x63, 0x72, 0x27, 0x3a, 0x20, 0x27, 0x3c, 0x66, 0x34, 0x27,
    0x2c, 0x20, 0x27, 0x66, 0x6f, 0x72, 0x74, 0x72, 0x61, 0x6e, 0x5f, 0x6f, 0x72, 0x64, 0x65, 0x72,
    0x27, 0x3a, 0x20, 0x46, 0x61, 0x6c, 0x73, 0x65, 0x2c, 0x20, 0x27, 0x73, 0x68, 0x61, 0x70, 0x65,
    0x27, 0x3a, 0x20, 0x28, 0x32, 0x2c, 0x29, 0x2c, 0x20, 0x7d, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x0a, 0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x00, 0xc0, 0x50,
    0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x21, 0x00, 0xa0, 0x44, 0x4b,
    0x5b, 0xa0, 0x00, 0x00, 0x00, 0xa0, 0x00, 0x00, 0x00, 0x07, 0x00, 0x14, 0x00, 0x69, 0x64, 0x78,
    0x2e, 0x6e, 0x70, 0x79, 0x01, 0x00, 0x10, 0x00, 0xa0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xa0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x01, 0x00,
    0x76, 0x00, 0x7b, 0x27, 0x64, 0x65, 0x73, 0x63, 0x72, 0x27, 0x3a, 0x20, 0x27, 0x3c, 0x69, 0x38,
    0x27, 0x2c, 0x20, 0x27, 0x66, 0x6f, 0x72, 0x74, 0x72, 0x61, 0x6e, 0x5f, 0x6f, 0x72, 0x64, 0x65,
    0x72, 0x27, 0x3a, 0x20, 0x46, 0x61, 0x6c, 0x73, 0x65, 0x2c, 0x20, 0x27, 0x73, 0x68, 0x61, 0x70,
    0x65, 0x27, 0x3a, 0x20, 0x28, 0x32, 0x2c, 0x20, 0x32, 0x29, 0x2c, 0x20, 0x7d, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x0a, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x50, 0x4b, 0x01, 0x02, 0x14, 0x03, 0x14, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x21, 0x00, 0xd6, 0x43, 0x4b, 0x05, 0x88, 0x00, 0x00, 0x00,
    0x88, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x61, 0x2e, 0x6e, 0x70, 0x79, 0x50, 0x4b, 0x01, 0x02, 0x14,
    0x03, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x21, 0x00, 0xa0, 0x44, 0x4b, 0x5b, 0xa0,
    0x00, 0x00, 0x00, 0xa0, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x80, 0x01, 0xbf, 0x00, 0x00, 0x00, 0x69, 0x64, 0x78, 0x2e, 0x6e, 0x70, 0x79,
    0x50, 0x4b, 0x05, 0x06, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x02, 0x00, 0x68, 0x00, 0x00, 0x00,
    0x98, 0x01, 0x00, 0x00, 0x00, 0x00,};

TEST(Npy, WritesTheBytesNumpyWrites) {
  const std::vector<float> f = {0, 1, 2, 3, 4, 5};
  EXPECT_EQ(npy::serialize_npy(make_tensor<float>({2, 3}, f)),
            numpy_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }") +
                raw_bytes(f));
  const std::vector<int8_t> i8 = {1, -2, 3};
  EXPECT_EQ(npy::serialize_npy(make_tensor<int8_t>({3}, i8)),
            numpy_header("{'descr': '|i1', 'fortran_order': False, 'shape': (3,), }") +
                raw_bytes(i8));
  const std::vector<int64_t> scalar = {7};
  EXPECT_EQ(npy::serialize_npy(make_tensor<int64_t>({}, scalar)),
            numpy_header("{'descr': '<i8', 'fortran_order': False, 'shape': (), }") +
                raw_bytes(scalar));
  const std::vector<uint8_t> b = {1, 0};
  Tensor bt = Tensor::make(DType::kBool, {2}).value();
  std::memcpy(bt.raw(), b.data(), 2);
  EXPECT_EQ(npy::serialize_npy(bt),
            numpy_header("{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }") +
                raw_bytes(b));
  EXPECT_EQ(npy::serialize_npy(make_tensor<double>({0, 4}, {})),
            numpy_header("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 4), }"));
}

TEST(Npy, ReadsNumpyBytes) {
  const std::vector<float> f = {0, 1, 2, 3, 4, 5};
  auto t = npy::parse_npy(
      numpy_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }") + raw_bytes(f),
      "f");
  ASSERT_TRUE(t) << t.status().to_string();
  EXPECT_EQ(t->dtype(), DType::kF32);
  EXPECT_EQ(t->shape(), (Shape{2, 3}));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(t->data<float>()[i], f[static_cast<size_t>(i)]);

  auto s = npy::parse_npy(
      numpy_header("{'descr': '<i8', 'fortran_order': False, 'shape': (), }") +
          raw_bytes(std::vector<int64_t>{-7}),
      "s");
  ASSERT_TRUE(s) << s.status().to_string();
  EXPECT_EQ(s->rank(), 0);
  EXPECT_EQ(s->data<int64_t>()[0], -7);

  auto e = npy::parse_npy(numpy_header("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 4), }"),
                          "e");
  ASSERT_TRUE(e) << e.status().to_string();
  EXPECT_EQ(e->shape(), (Shape{0, 4}));
}

TEST(Npy, BoolBytesAreNormalised) {
  // NumPy writes 0/1, but a hand-made file may hold any byte; reading it as bool must not be UB.
  auto t = npy::parse_npy(
      numpy_header("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }") +
          std::string("\x05\x00\xff", 3),
      "b");
  ASSERT_TRUE(t) << t.status().to_string();
  const auto* raw = static_cast<const uint8_t*>(t->raw());
  EXPECT_EQ(raw[0], 1);
  EXPECT_EQ(raw[1], 0);
  EXPECT_EQ(raw[2], 1);
}

TEST(Npy, FileRoundTrip) {
  TempDir dir;
  const std::vector<uint16_t> v = {1, 65535, 42, 0, 7, 9};
  ASSERT_TRUE(npy::write_npy(dir.file("u16.npy"), make_tensor<uint16_t>({3, 1, 2}, v)).is_ok());
  auto t = npy::read_npy(dir.file("u16.npy"));
  ASSERT_TRUE(t) << t.status().to_string();
  EXPECT_EQ(t->dtype(), DType::kU16);
  EXPECT_EQ(t->shape(), (Shape{3, 1, 2}));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(t->data<uint16_t>()[i], v[static_cast<size_t>(i)]);
}

TEST(Npy, RefusesBadFiles) {
  const std::string f4 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  const std::string data = raw_bytes(std::vector<float>(6, 1.f));
  struct Case {
    std::string bytes;
    StatusCode code;
    std::string message;
  };
  const Case cases[] = {
      {"", StatusCode::kInvalidArgument, "not a .npy file (bad magic)"},
      {"NUMPY\x01\x00 garbage", StatusCode::kInvalidArgument, "not a .npy file (bad magic)"},
      {numpy_header(f4).substr(0, 60), StatusCode::kInvalidArgument, "is past the end of the file"},
      {numpy_header(f4) + data.substr(0, 8), StatusCode::kInvalidArgument,
       "data has 8 bytes but float32[2,3] needs 24"},
      {numpy_header(f4) + data + "x", StatusCode::kInvalidArgument,
       "data has 25 bytes but float32[2,3] needs 24"},
      {numpy_header("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }") + data,
       StatusCode::kInvalidArgument, "unsupported dtype '>f4'"},
      {numpy_header("{'descr': '|O', 'fortran_order': False, 'shape': (2, 3), }") + data,
       StatusCode::kInvalidArgument, "unsupported dtype '|O'"},
      {numpy_header("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }") + data,
       StatusCode::kInvalidArgument, "Fortran-order arrays are not supported"},
      {numpy_header("{'descr': '<f4', 'fortran_order': False, }") + data,
       StatusCode::kInvalidArgument, "header has no 'shape'"},
      {numpy_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }") + data,
       StatusCode::kInvalidArgument, "bad dimension '-3'"},
      {numpy_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3"),
       StatusCode::kInvalidArgument, "unterminated shape"},
      {numpy_header("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, "
                    "4294967296), }"),
       StatusCode::kInvalidArgument, "overflows int64"},
      {numpy_header("{'descr': '<f4', 'fortran_order': False, 'shape': (1000, 1000), }"),
       StatusCode::kResourceLimit, "larger than the limit of 1000000 bytes"},
  };
  for (const Case& c : cases) {
    auto t = npy::parse_npy(c.bytes, "'x.npy'", 1000000);
    ASSERT_FALSE(t) << c.message;
    EXPECT_EQ(t.status().code(), c.code) << t.status().to_string();
    EXPECT_NE(t.status().message().find(c.message), std::string::npos)
        << "got: " << t.status().message() << "\nwant: " << c.message;
    EXPECT_EQ(t.status().message().rfind("'x.npy'", 0), 0u) << t.status().message();
  }
}

TEST(Npz, ReadsWhatNumpyWrote) {
  TempDir dir;
  {
    std::ofstream f(dir.file("numpy.npz"), std::ios::binary);
    f.write(reinterpret_cast<const char*>(kNumpyNpz), sizeof kNumpyNpz);
  }
  auto r = npy::read_npz(dir.file("numpy.npz"));
  ASSERT_TRUE(r) << r.status().to_string();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].first, "a");
  EXPECT_EQ((*r)[0].second.dtype(), DType::kF32);
  EXPECT_EQ((*r)[0].second.shape(), (Shape{2}));
  EXPECT_EQ((*r)[0].second.data<float>()[0], 1.5f);
  EXPECT_EQ((*r)[0].second.data<float>()[1], -2.0f);
  EXPECT_EQ((*r)[1].first, "idx");
  EXPECT_EQ((*r)[1].second.dtype(), DType::kI64);
  EXPECT_EQ((*r)[1].second.shape(), (Shape{2, 2}));
  for (int i = 0; i < 4; ++i) EXPECT_EQ((*r)[1].second.data<int64_t>()[i], i + 1);
}

TEST(Npz, RoundTrip) {
  TempDir dir;
  npy::NamedTensors in;
  in.emplace_back("logits", make_tensor<float>({1, 3}, {0.5f, -1.f, 2.f}));
  in.emplace_back("ids", make_tensor<int32_t>({2}, {7, -9}));
  ASSERT_TRUE(npy::write_npz(dir.file("out.npz"), in).is_ok());
  auto r = npy::read_npz(dir.file("out.npz"));
  ASSERT_TRUE(r) << r.status().to_string();
  ASSERT_EQ(r->size(), 2u);
  for (size_t k = 0; k < 2; ++k) {
    EXPECT_EQ((*r)[k].first, in[k].first);
    EXPECT_EQ((*r)[k].second.describe(), in[k].second.describe());
    EXPECT_EQ(std::memcmp((*r)[k].second.raw(), in[k].second.raw(), in[k].second.nbytes()), 0);
  }
}

TEST(Npz, RefusesNonZip) {
  TempDir dir;
  {
    std::ofstream f(dir.file("bad.npz"), std::ios::binary);
    f << "definitely not a zip file";
  }
  auto r = npy::read_npz(dir.file("bad.npz"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("is not a readable .npz"), std::string::npos);
}

}  // namespace
}  // namespace sf
