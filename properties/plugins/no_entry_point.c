/* A shared library without ropecheck_plugin_apply: `ropecheck props --plugin` must refuse
 * it with exit 2 (tests only). */
__attribute__((visibility("default"))) int not_a_rope_plugin(void) { return 0; }
