"""Local stand-ins for payment providers: small WSGI apps speaking each
provider's documented API, served on 127.0.0.1 by the tests."""
