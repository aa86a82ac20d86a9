# Runs rsvg-convert (CMD, "|"-separated) and checks it wrote a PNG: the
# file starts with the PNG signature and is not a blank few bytes.
#   cmake -DCMD="rsvg-convert|-o|out.png|in.svg" -DEXPECT=0 -DPNG=out.png -P expect_png.cmake
file(REMOVE ${PNG})
include(${CMAKE_CURRENT_LIST_DIR}/../layouts/expect_exit.cmake)
file(READ ${PNG} signature LIMIT 8 HEX)
if(NOT signature STREQUAL "89504e470d0a1a0a")
  message(FATAL_ERROR "${PNG} is not a PNG (starts with ${signature})")
endif()
file(SIZE ${PNG} size)
if(size LESS 4000)
  message(FATAL_ERROR "${PNG} is only ${size} bytes: nothing drawn")
endif()
