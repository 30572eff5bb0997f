// libyaml for Swift. yaml.h is usable as it is; this header exists so the module map
// has one place to grow typed wrappers should a variadic or macro API ever be needed.
#ifndef TFY_CYAML_SHIM_H
#define TFY_CYAML_SHIM_H
#include <yaml.h>
#endif
