/* zec_parse.c: being written */
