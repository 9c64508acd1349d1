/* version.h - the edgebench release number (git commit comes from the build). */
#ifndef EB_VERSION_H
#define EB_VERSION_H
#define EB_VERSION "0.1.0"
#endif
