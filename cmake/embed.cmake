# Generates a C++ source holding a file's bytes: cmake -DIN=file -DOUT=x.cpp -DSYMBOL=name -P embed.cmake
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" n)
math(EXPR bytes "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" body "${body}")
file(WRITE "${OUT}" "// Generated from ${IN} by cmake/embed.cmake; do not edit.\n#include <cstddef>\nextern const unsigned char ${SYMBOL}[] = {\n${body}0x00};\nextern const std::size_t ${SYMBOL}_size = ${bytes};\n")
