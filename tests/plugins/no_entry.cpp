// A shared library that is not a Sweep plugin: it lacks sweep_register_strategies.
extern "C" __attribute__((visibility("default"))) int sweep_not_a_plugin() {
  return 42;
}
