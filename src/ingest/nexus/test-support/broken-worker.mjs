// A reader that cannot start (e.g. its HDF5 library is missing): it fails before saying ready.
throw new Error('cannot load the HDF5 library');
