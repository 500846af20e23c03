"""Language choice: pages are Chinese unless the user switched (cookie); the API follows Accept-Language."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation


class LocaleMiddleware(DjangoLocaleMiddleware):
    """A browser's Accept-Language does not override the city's Chinese pages; the language switch does.
    API clients still get messages in the language they ask for."""

    def process_request(self, request):
        if request.path.startswith("/api/"):
            return super().process_request(request)
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class ProxiedClientMiddleware:
    """Behind nginx (deploy/), gunicorn sees every request come from its socket: take the client's address from
    X-Real-IP, which nginx always overwrites, so rate limits and logs see the real client. Only for requests
    from the proxy itself (a socket or loopback peer), and only in production, so nobody else can forge it."""

    PROXY_PEERS = {"", "127.0.0.1", "::1"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        real = request.META.get("HTTP_X_REAL_IP", "")
        if real and request.META.get("REMOTE_ADDR", "") in self.PROXY_PEERS:
            request.META["REMOTE_ADDR"] = real.strip()[:64]
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """A content security policy on every answer that has none of its own: scripts only from this server (no
    inline script, no eval), nothing loaded from elsewhere, no framing (the widget's frame pages set their own),
    and a permissions policy that turns off what the site never uses."""

    CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
           "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
           "frame-ancestors 'none'")
    PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.CSP)
        response.headers.setdefault("Permissions-Policy", self.PERMISSIONS)
        return response
