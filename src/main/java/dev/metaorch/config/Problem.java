package dev.metaorch.config;

/** One thing wrong with an input file: printed as {@code file: place: what is wrong}. */
public record Problem(String file, String place, String message) {
    @Override
    public String toString() {
        return file + ": " + (place.isEmpty() ? "/" : place) + ": " + message;
    }
}
