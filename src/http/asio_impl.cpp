// Separate compilation of Asio and Beast (BOOST_ASIO_SEPARATE_COMPILATION and
// BOOST_BEAST_SEPARATE_COMPILATION are PUBLIC definitions of mitra_http). Every other
// translation unit only sees declarations, which keeps template bloat and compile time down.
#include "http/asio.hpp"

#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
